#if WEIGHTKIT_FUZZ
/// Field-level protobuf mutations for Caffe2 and ONNX files: one field, chosen at any nesting depth, has
/// its value set to a boundary (a dims entry, a data type, a length), its bytes mutated, or is repeated,
/// dropped or copied, and every enclosing message is written again with correct lengths, so the reader's
/// checks on what the fields say are reached instead of its framing checks.
enum ProtobufMutation {
    /// Nested messages deeper than this are mutated as bytes.
    static let maximumDepth = 12

    /// `bytes` mutated; nil when they are no protobuf message.
    static func mutated(_ bytes: [UInt8], maxSize: Int, seed: UInt32) -> [UInt8]? {
        var random = SeededGenerator(seed: seed)
        guard let output = mutatedMessage(bytes, room: maxSize - bytes.count, depth: 0, using: &random),
              output.count <= maxSize
        else { return nil }
        return output
    }

    private static func mutatedMessage(_ bytes: [UInt8], room: Int, depth: Int, using random: inout SeededGenerator) -> [UInt8]? {
        guard var message = ProtobufWireFields(bytes) else { return nil }
        let index = Int.random(in: 0..<message.fields.count, using: &random)
        if case .lengthDelimited(let payload) = message.fields[index].value, depth < maximumDepth, random.next() % 3 != 0,
           let inner = mutatedMessage(payload, room: room, depth: depth + 1, using: &random)
        {
            message.fields[index].value = .lengthDelimited(inner)
            return message.bytes
        }
        switch random.next() % 5 {
        case 0: message.fields[index].value = boundary(message.fields[index].value, using: &random)
        case 1:
            let copies = min(1 << Int.random(in: 0...10, using: &random), max(0, room / max(bytes.count / message.fields.count, 1)))
            message.fields.insert(contentsOf: Array(repeating: message.fields[index], count: copies), at: index)
        case 2: message.fields.remove(at: index)
        case 3: message.fields.insert(message.fields[Int.random(in: 0..<message.fields.count, using: &random)], at: index)
        default:
            guard case .lengthDelimited(let payload) = message.fields[index].value else {
                message.fields[index].value = boundary(message.fields[index].value, using: &random)
                break
            }
            message.fields[index].value = .lengthDelimited(LibFuzzerBytes.mutated(payload, maxSize: payload.count + max(room, 0)))
        }
        return message.bytes
    }

    /// A varint or fixed value set to a boundary; a length-delimited one replaced by a boundary varint (a
    /// packed field's single entry).
    private static func boundary(_ value: ProtobufWireFields.Value, using random: inout SeededGenerator) -> ProtobufWireFields.Value {
        let number = random.boundaryValue()
        switch value {
        case .varint: return .varint(number)
        case .fixed(let old): return .fixed((0..<old.count).map { UInt8(truncatingIfNeeded: number >> (8 * UInt64($0))) })
        case .lengthDelimited: return .lengthDelimited(ProtobufWireFields.encoded(number))
        }
    }
}
#endif
