import CONNXProto
import CProtobufC
import WeightKitCore

/// Reads the initializers of an ONNX model (what `torch.onnx.export`, onnx's own tools and WeightKit's
/// exporter write) through libprotobuf-c, after the same wire census as Caffe2's protobufs. `metadata_props`
/// become metadata, so a model WeightKit exported reads back with its canonical names and semantics.
package enum ONNXReader: WeightFileReader {
    package static let name = "onnx"
    package static let formats: [WeightFormat] = [.onnx]

    /// A ModelProto as writers lay it out: `ir_version` (field 1, a small varint) first, then a string or
    /// message field of the model (producer, domain, doc string, graph, opset imports) or its model version.
    /// Caffe2's TensorProto also starts with a varint field 1, but continues with another varint.
    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 3, bytes[0] == 0x08, (1...20).contains(bytes[1]) else { return false }
        return [0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72].contains(bytes[2])
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError) -> TensorCollection {
        var fault: WeightKitError?
        let model = try ProtobufMessage<Onnx__ModelProto>.unpack(
            file.bytes, wk_onnx_model_proto_descriptor(), budget: budget, fault: &fault,
            free: { onnx__model_proto__free_unpacked($0, nil) })
        // Protobufs carry no magic: a Caffe2 TensorProto can start with the same bytes. Bytes that are no
        // model with a graph are Caffe2's to read, or to refuse.
        guard let model, let graph = model.message.graph?.pointee else {
            if Caffe2ProtobufReader.recognizes(file.bytes), let collection = try? Caffe2ProtobufReader.read(file, options: options, budget: budget) {
                return collection
            }
            throw fault ?? WeightKitError(.malformed, "starts like an ONNX model but does not decode as one with a graph (truncated, or another schema)")
        }
        var collection = TensorCollection(format: .onnx, metadata: metadata(of: model.message))
        let external = ONNXExternalData(modelPath: file.path)
        for (index, proto) in ProtobufC.messages(Int(graph.n_initializer), graph.initializer).enumerated() {
            let tensor: Tensor
            do {
                tensor = try ONNXTensorDecoder.tensor(proto, fallbackName: "initializer \(index)", external: external, budget: budget)
            } catch {
                throw error.inEntry("initializer \(index)")
            }
            try collection.append(tensor)
        }
        return collection
    }

    /// The model's `metadata_props` as they are, and what the model says of itself under `onnx.*`.
    private static func metadata(of model: Onnx__ModelProto) -> [String: String] {
        var metadata: [String: String] = [:]
        for entry in ProtobufC.messages(Int(model.n_metadata_props), model.metadata_props) {
            if let key = ProtobufC.string(entry.key) { metadata[key] = ProtobufC.string(entry.value) ?? "" }
        }
        if model.has_ir_version != 0 { metadata["onnx.ir_version"] = String(model.ir_version) }
        metadata["onnx.producer"] = [ProtobufC.string(model.producer_name), ProtobufC.string(model.producer_version)]
            .compactMap { $0 }.joined(separator: " ")
        let opsets = ProtobufC.messages(Int(model.n_opset_import), model.opset_import).map { set in
            (ProtobufC.string(set.domain).flatMap { $0.isEmpty ? nil : $0 } ?? "ai.onnx") + " " + String(set.version)
        }
        metadata["onnx.opset_import"] = opsets.joined(separator: ", ")
        if let graph = model.graph?.pointee {
            metadata["onnx.graph"] = ProtobufC.string(graph.name) ?? ""
            metadata["onnx.nodes"] = String(graph.n_node)
        }
        return metadata
    }
}
