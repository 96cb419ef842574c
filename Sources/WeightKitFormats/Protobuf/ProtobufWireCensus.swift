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
    /// Why the wire data is not well formed as this message, if it is not: then it may be another message
    /// or no protobuf at all, or the file's lie about a field's length (or a file cut short).
    private(set) var fault: WeightKitError?
    /// The well-formed fields the faulty message held before its fault: text or bytes of another kind read
    /// as a message rarely get past their first two, so a fault after them is the file's own.
    private(set) var fieldsBeforeFault = 0
    private var fieldsInMessage: [Int] = [0]

    /// Counts `data` as a `descriptor` message; data that is not well formed sets `fault`. Nesting past
    /// `maximumDepth` throws.
    init(_ data: UnsafeRawBufferPointer, as descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws(WeightKitError) {
        var stack: [(descriptor: UnsafePointer<ProtobufCMessageDescriptor>, end: Int)] = [(descriptor, data.count)]
        messages = 1
        bytes = descriptor.pointee.sizeof_message
        var position = 0
        while let top = stack.last {
            if position == top.end {
                stack.removeLast()
                fieldsInMessage.removeLast()
                continue
            }
            fieldsInMessage[fieldsInMessage.count - 1] += 1
            let start = position
            guard position < top.end, let tag = Self.varint(data, &position, end: top.end) else {
                fail("a field tag runs past the end of its message", at: start, in: stack, cutShort: true)
                return
            }
            let number = tag >> 3, wireType = tag & 7
            guard number > 0, number <= UInt64(UInt32.max) else {
                fail("field number \(number) is not one protobuf allows", at: start, in: stack)
                return
            }
            let field = protobuf_c_message_descriptor_get_field(top.descriptor, UInt32(number))
            if wireType == 2, let sub = try lengthDelimited(field, number, data, &position, in: stack) {
                guard let sub else { return }
                stack.append(sub)
                fieldsInMessage.append(0)
                continue
            } else if wireType != 2, let problem = Self.skipScalar(wireType, data, &position, end: top.end) {
                fail("field \(number) \(problem.reason)", at: start, in: stack, cutShort: problem.cutShort)
                return
            }
            if wireType != 2 { bytes += 8 }
            if field == nil { messages += 1 }
        }
        depth = max(depth, 1)
    }

    /// A length-delimited field: the sub-message to enter (`.some(nil)` when the length was a lie and the
    /// census ended), or nil when its bytes were counted and skipped.
    private mutating func lengthDelimited(
        _ field: UnsafePointer<ProtobufCFieldDescriptor>?, _ number: UInt64, _ data: UnsafeRawBufferPointer,
        _ position: inout Int, in stack: [(descriptor: UnsafePointer<ProtobufCMessageDescriptor>, end: Int)]
    ) throws(WeightKitError) -> (descriptor: UnsafePointer<ProtobufCMessageDescriptor>, end: Int)?? {
        let start = position, end = stack.last?.end ?? data.count
        guard let length = Self.varint(data, &position, end: end), length <= UInt64(end - position) else {
            let remaining = max(end - position, 0)
            // A top-level field's name depends on which message the file is; its number does not.
            let what = stack.count > 1 ? describe(field, number) : "field \(number)"
            fail("\(what) claims more bytes than the \(remaining) left", at: start, in: stack, cutShort: true)
            return .some(nil)
        }
        let fieldEnd = position + Int(length)
        guard let field, field.pointee.type.rawValue == FieldType.message, let sub = field.pointee.descriptor else {
            bytes += Int(length) * Self.expansion(of: field?.pointee.type) + 16
            position = fieldEnd
            return nil
        }
        guard stack.count < Self.maximumDepth else {
            throw WeightKitError(
                .limitExceeded, "protobuf messages nested more than \(Self.maximumDepth) levels deep",
                location: .init(byteOffset: position))
        }
        let subDescriptor = sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        messages += 1
        bytes += subDescriptor.pointee.sizeof_message + MemoryLayout<UnsafeRawPointer>.size
        depth = max(depth, stack.count + 1)
        return .some((subDescriptor, fieldEnd))
    }

    /// Records why the census stopped.
    private mutating func fail(
        _ reason: String, at offset: Int, in stack: [(descriptor: UnsafePointer<ProtobufCMessageDescriptor>, end: Int)],
        cutShort: Bool = false
    ) {
        fieldsBeforeFault = max((fieldsInMessage.last ?? 1) - 1, 0)
        guard stack.count > 1, let inner = stack.last else {
            // At the top level the framing runs to the end of the file: a length or value past it is most
            // likely a file cut short. Which message the file is, is not known here.
            fault = cutShort ? .truncated("protobuf \(reason)", at: offset)
                : WeightKitError(.malformed, "protobuf \(reason)", location: .init(byteOffset: offset))
            return
        }
        let name = String(cString: inner.descriptor.pointee.short_name)
        fault = WeightKitError(.malformed, "\(name) \(reason)", location: .init(byteOffset: offset))
    }

    private func describe(_ field: UnsafePointer<ProtobufCFieldDescriptor>?, _ number: UInt64) -> String {
        guard let field, let name = field.pointee.name else { return "field \(number)" }
        return "field \(number) (\(String(cString: name)))"
    }

    /// Skips a varint or fixed-width value; what is wrong with it (and whether it runs past the end), or nil.
    private static func skipScalar(_ wireType: UInt64, _ data: UnsafeRawBufferPointer, _ position: inout Int, end: Int)
        -> (reason: String, cutShort: Bool)?
    {
        switch wireType {
        case 0: return varint(data, &position, end: end) == nil ? ("ends inside its varint value", true) : nil
        case 1, 5:
            let width = wireType == 1 ? 8 : 4
            guard end - position >= width else { return ("needs \(width) bytes; \(end - position) are left", true) }
            position += width
            return nil
        default: return ("has wire type \(wireType), which no Caffe2 message uses", false)
        }
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
