#if WEIGHTKIT_FUZZ
/// A protobuf message split into its top-level fields, without a schema, so a mutation can change one
/// field and write the message again with every length prefix right. libprotobuf-c only parses with a
/// descriptor into C structures, which would drop what the schema does not name, so this reads the wire
/// format itself: tags, varints and lengths.
struct ProtobufWireFields {
    enum Value {
        case varint(UInt64)
        case fixed([UInt8])
        case lengthDelimited([UInt8])
    }

    struct Field {
        var number: UInt64
        var value: Value
    }

    var fields: [Field] = []

    /// Splits `bytes`; nil unless every byte belongs to a well-formed field (groups are not read).
    init?(_ bytes: [UInt8]) {
        var position = 0
        while position < bytes.count {
            guard let tag = Self.varint(bytes, &position), tag >> 3 > 0, let value = Self.value(tag & 7, bytes, &position)
            else { return nil }
            fields.append(Field(number: tag >> 3, value: value))
        }
        guard !fields.isEmpty else { return nil }
    }

    var bytes: [UInt8] {
        var output: [UInt8] = []
        for field in fields {
            switch field.value {
            case .varint(let value):
                output += Self.encoded(field.number << 3) + Self.encoded(value)
            case .fixed(let value):
                output += Self.encoded(field.number << 3 | (value.count == 8 ? 1 : 5)) + value
            case .lengthDelimited(let payload):
                output += Self.encoded(field.number << 3 | 2) + Self.encoded(UInt64(payload.count)) + payload
            }
        }
        return output
    }

    private static func value(_ wireType: UInt64, _ bytes: [UInt8], _ position: inout Int) -> Value? {
        switch wireType {
        case 0: return varint(bytes, &position).map(Value.varint)
        case 1, 5:
            let width = wireType == 1 ? 8 : 4
            guard bytes.count - position >= width else { return nil }
            defer { position += width }
            return .fixed(Array(bytes[position..<position + width]))
        case 2:
            guard let length = varint(bytes, &position), length <= UInt64(bytes.count - position) else { return nil }
            defer { position += Int(length) }
            return .lengthDelimited(Array(bytes[position..<position + Int(length)]))
        default: return nil
        }
    }

    static func encoded(_ value: UInt64) -> [UInt8] {
        var output: [UInt8] = [], rest = value
        while rest >= 0x80 {
            output.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return output + [UInt8(rest)]
    }

    private static func varint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0, shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
#endif
