import WeightKitCore
import WeightKitFormats
import WeightKitVerify

/// Exports the network of any weight file WeightKit reads as a runnable ONNX model: the graph of the
/// reference pass in standard operators, its weights as initializers, the source's semantics and digest in
/// `metadata_props`. The output appears complete or not at all.
public struct ONNXExport {
    /// What one export wrote.
    public struct Report: Sendable {
        /// The architecture WeightKit recognised, where it names one.
        public var architecture: String?
        /// The graph's outputs, in network order.
        public var outputs: [String]
        /// The graph's nodes.
        public var nodeCount: Int
        /// The weights written as initializers.
        public var initializerCount: Int
    }

    /// The operator set, input size, preprocessing and ROI heads of the graph.
    public var options: ONNXExportOptions
    /// How the source is read (its budget, the archive member).
    public var readOptions: WeightFile.ReadOptions
    /// Whether an existing output is replaced.
    public var overwrite: Bool

    /// - Parameters:
    ///   - options: the operator set, input size and preprocessing.
    ///   - readOptions: how the source is read.
    ///   - overwrite: whether an existing output is replaced.
    public init(options: ONNXExportOptions = ONNXExportOptions(), readOptions: WeightFile.ReadOptions = .init(), overwrite: Bool = false) {
        self.options = options
        self.readOptions = readOptions
        self.overwrite = overwrite
    }

    /// Reads `source`, maps it to canonical names, traces its network and writes `destination`.
    ///
    /// - Parameters:
    ///   - source: a weight file of any format WeightKit reads.
    ///   - destination: the `.onnx` file to write.
    /// - Returns: what was written.
    /// - Throws: `WeightKitError` naming the source when it cannot be read, holds no network WeightKit runs,
    ///   or holds a part without a standard ONNX form; nothing is left at `destination`.
    @discardableResult
    public func run(from source: String, to destination: String) throws(WeightKitError) -> Report {
        try Conversion.refuseWritingOverSource(source, destination)
        let digest = SourceDigest(try MappedFile(path: source))
        do throws(WeightKitError) {
            let model = try Verifier.load(source, options: readOptions)
            let network = try RecognizedNetwork(model.collection)
            let graph = try network.onnxGraph(of: model.collection, options: options)
            var metadata = Conversion().metadata(for: model.collection).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
            metadata.append((ContainerKey.sourceSHA256.rawValue, try digest.value()))
            let onnx = ONNXModel(graph: graph, opsetVersion: options.opset, producerName: "weightkit",
                                 producerVersion: WeightKitVersion.current, metadata: metadata)
            let output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
            do {
                try ONNXModelWriter.write(onnx, to: output)
                try output.commit()
            } catch {
                output.discard()
                throw error
            }
            return Report(architecture: network.description.architecture, outputs: graph.outputs.map(\.name),
                          nodeCount: graph.nodes.count, initializerCount: graph.initializers.count)
        } catch {
            digest.abandon()
            throw error.inFile(source)
        }
    }
}
