import CProtobufC
import WeightKitCore

/// What unpacking a protobuf would build, counted from the wire data before libprotobuf-c builds it.
///
/// libprotobuf-c has no recursion limit and allocates every message, repeated value and unknown field it
/// meets, so a file of nested or empty messages can exhaust the stack or memory. The census walks the wire
/// with the message's own descriptors (which fields are sub-messages comes from the generated schema), with
/// an explicit stack, and reports the nesting depth, the messages and an upper bound of the bytes unpacking
/// will allocate. It only reads tags and lengths; the values themselves are left to libprotobuf-c.
package struct ProtobufWireCensus {
    /// Nesting deeper than this is refused, as Google's protobuf runtime does by default.
    static let maximumDepth = 100

    private(set) var messages = 0
    private(set) var bytes = 0
    private(set) var depth = 0

    /// Counts `data` as a `descriptor` message; nil when the wire data is not well formed (libprotobuf-c
    /// will refuse it too). Nesting past `maximumDepth` throws.
    init?(_ data: UnsafeRawBufferPointer, as descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws(WeightKitError) {
        var stack: [(descriptor: UnsafePointer<ProtobufCMessageDescriptor>, end: Int)] = [(descriptor, data.count)]
        messages = 1
        bytes = descriptor.pointee.sizeof_message
        var position = 0
        while let top = stack.last {
            if position == top.end {
                stack.removeLast()
                continue
            }
            guard position < top.end, let tag = Self.varint(data, &position, end: top.end) else { return nil }
            let number = tag >> 3, wireType = tag & 7
            guard number > 0, number <= UInt64(UInt32.max) else { return nil }
            let field = protobuf_c_message_descriptor_get_field(top.descriptor, UInt32(number))
            switch wireType {
            case 0:
                guard Self.varint(data, &position, end: top.end) != nil else { return nil }
                bytes += 8
            case 1, 5:
                let width = wireType == 1 ? 8 : 4
                guard top.end - position >= width else { return nil }
                position += width
                bytes += 8
            case 2:
                guard let length = Self.varint(data, &position, end: top.end), length <= UInt64(top.end - position)
                else { return nil }
                let end = position + Int(length)
                if let field, field.pointee.type.rawValue == FieldType.message, let sub = field.pointee.descriptor {
                    guard stack.count < Self.maximumDepth else {
                        throw WeightKitError(
                            .limitExceeded, "protobuf messages nested more than \(Self.maximumDepth) levels deep",
                            location: .init(byteOffset: position))
                    }
                    let subDescriptor = sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    stack.append((subDescriptor, end))
                    messages += 1
                    bytes += subDescriptor.pointee.sizeof_message + MemoryLayout<UnsafeRawPointer>.size
                    depth = max(depth, stack.count)
                    continue
                }
                bytes += Int(length) * Self.expansion(of: field?.pointee.type) + 16
                position = end
            default:
                return nil
            }
            if field == nil { messages += 1 }
        }
        depth = max(depth, 1)
    }

    /// Bytes of memory per byte of length-delimited wire data: strings, bytes and unknown fields are copied;
    /// a packed run of fixed-width scalars unpacks to its own size, one of varints to up to eight bytes each.
    private static func expansion(of type: ProtobufCType?) -> Int {
        guard let type else { return 1 }
        return FieldType.fixedWidthOrCopied.contains(type.rawValue) ? 1 : 8
    }

    /// `ProtobufCType` values, in the order protobuf-c.h declares them (its Swift import names no cases).
    private enum FieldType {
        static let message: UInt32 = 16
        /// sfixed32, sfixed64, fixed32, fixed64, float, double, string, bytes.
        static let fixedWidthOrCopied: Set<UInt32> = [2, 5, 7, 9, 10, 11, 14, 15]
    }

    private static func varint(_ data: UnsafeRawBufferPointer, _ position: inout Int, end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let byte = data[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
