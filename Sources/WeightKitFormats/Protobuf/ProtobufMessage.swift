import CProtobufC
import Glibc
import WeightKitCore

/// A message decoded by libprotobuf-c, freed when this value goes away; Caffe2's and ONNX's messages are
/// decoded through it, after the same wire census.
package final class ProtobufMessage<Message> {
    let pointer: UnsafeMutablePointer<Message>
    private let free: (UnsafeMutablePointer<Message>) -> Void

    private init(_ pointer: UnsafeMutablePointer<Message>, free: @escaping (UnsafeMutablePointer<Message>) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit { free(pointer) }

    var message: Message { pointer.pointee }

    /// Unpacks `bytes` as the message `descriptor` describes, after a census of the wire data has charged
    /// the messages and memory unpacking will build to `budget`; nil when the bytes are not that message.
    /// `fault` receives why the bytes are not that message when a sub-message that began well (two fields)
    /// is not well formed: most likely a length the file lies about, not another message.
    static func unpack(
        _ bytes: UnsafeRawBufferPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, budget: ReadBudget,
        fault: inout WeightKitError?, free: @escaping (UnsafeMutablePointer<Message>) -> Void
    ) throws(WeightKitError) -> ProtobufMessage<Message>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let census = try ProtobufWireCensus(bytes, as: descriptor)
        if let problem = census.fault {
            if census.fieldsBeforeFault >= 2 { fault = fault ?? problem }
            return nil
        }
        let name = String(cString: descriptor.pointee.short_name)
        try budget.charge(values: census.messages, for: "\(census.messages) protobuf messages (as \(name))")
        try budget.charge(bytes: census.bytes, for: "unpacking a \(name)")
        guard let decoded = protobuf_c_message_unpack(descriptor, nil, bytes.count, base) else { return nil }
        return ProtobufMessage(UnsafeMutableRawPointer(decoded).assumingMemoryBound(to: Message.self), free: free)
    }
}
