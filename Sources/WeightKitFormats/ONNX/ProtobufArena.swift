import Glibc
import WeightKitCore

/// The C memory of one message tree built for libprotobuf-c: every struct, array and string the tree points
/// to, zeroed when allocated and freed together when the arena goes away.
final class ProtobufArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for allocation in allocations { free(allocation) }
    }

    /// Zeroed room for `count` values of `type`.
    ///
    /// - Throws: `WeightKitError` when the memory cannot be had.
    func allocate<Value>(_ type: Value.Type, count: Int = 1) throws(WeightKitError) -> UnsafeMutablePointer<Value> {
        guard let raw = calloc(max(count, 1), MemoryLayout<Value>.stride) else {
            throw WeightKitError(.limitExceeded, "out of memory building an ONNX message of \(count) entries")
        }
        allocations.append(raw)
        return raw.bindMemory(to: Value.self, capacity: max(count, 1))
    }

    /// A NUL-terminated copy of `text`.
    func string(_ text: String) throws(WeightKitError) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(text.utf8)
        let pointer = try allocate(CChar.self, count: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        return pointer
    }

    /// A C array of NUL-terminated copies of `texts`.
    func strings(_ texts: [String]) throws(WeightKitError) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let pointer = try allocate(UnsafeMutablePointer<CChar>?.self, count: texts.count)
        for (index, text) in texts.enumerated() { pointer[index] = try string(text) }
        return pointer
    }

    /// A C array holding `values`.
    func array<Value>(_ values: [Value]) throws(WeightKitError) -> UnsafeMutablePointer<Value> {
        let pointer = try allocate(Value.self, count: values.count)
        for (index, value) in values.enumerated() { (pointer + index).initialize(to: value) }
        return pointer
    }

    /// A copy of `bytes` that lives as long as the arena.
    func bytes(_ bytes: UnsafeRawBufferPointer) throws(WeightKitError) -> UnsafeMutablePointer<UInt8> {
        let pointer = try allocate(UInt8.self, count: bytes.count)
        if let base = bytes.baseAddress { memcpy(pointer, base, bytes.count) }
        return pointer
    }

    /// A message of type `Message`, set up by `initialize` (protoc-c's `*__init`) and then by `fill`.
    func message<Message>(
        _ initialize: (UnsafeMutablePointer<Message>) -> Void,
        _ fill: (inout Message) throws(WeightKitError) -> Void
    ) throws(WeightKitError) -> UnsafeMutablePointer<Message> {
        let pointer = try allocate(Message.self)
        initialize(pointer)
        try fill(&pointer.pointee)
        return pointer
    }
}
