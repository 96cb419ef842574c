import CONNXProto
import CProtobufC
import WeightKitCore

/// Writes an `ONNXModel` as one protobuf file through libprotobuf-c, streamed into the output in chunks:
/// the only copy of a mapped initializer's bytes is the one in the file.
package enum ONNXModelWriter {
    /// The largest file protobuf parsers take; larger models need their weights in an external file.
    package static let protobufLimit = Int(Int32.max)

    /// - Parameters:
    ///   - model: the graph and its metadata.
    ///   - output: where the bytes go; the caller commits or discards it.
    ///   - externalData: where the initializers' bytes go instead, when they are kept beside the model.
    /// - Throws: `WeightKitError` when an initializer's bytes cannot be produced, the model exceeds 2 GiB, or
    ///   the write fails.
    package static func write(_ model: ONNXModel, to output: AtomicOutputFile, externalData: ONNXExternalDataFile? = nil)
        throws(WeightKitError)
    {
        var builder = ONNXMessageBuilder(externalData: externalData)
        let message = try builder.model(model)
        let base = UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(base)
        guard size <= protobufLimit else {
            throw WeightKitError(.limitExceeded, "the model is \(size) bytes, more than the 2 GiB a protobuf file can hold "
                + "(keep its weights beside it: --external-data)")
        }
        let sink = ProtobufOutputSink(output, mappedFiles: builder.mappedFiles)
        try withExtendedLifetime(builder) { () throws(WeightKitError) in try sink.pack(base) }
    }
}
