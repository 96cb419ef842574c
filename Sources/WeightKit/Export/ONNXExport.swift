import Glibc
import WeightKitCore
import WeightKitFormats
import WeightKitVerify

/// Exports the network of any weight file WeightKit reads as a runnable ONNX model: the graph of the
/// reference pass in standard operators, its weights as initializers, the source's semantics and digest in
/// `metadata_props`. The output appears complete or not at all.
public struct ONNXExport {
    /// What one export wrote.
    public struct Report: Sendable {
        /// The file the initializers were written to, when they are kept beside the model.
        public var externalData: String?
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
    /// Whether the initializers' bytes go into `<output>.data` beside the model (ONNX external data, each at
    /// a 4096-byte boundary); a model whose weights would not fit in the 2 GiB of one protobuf file is
    /// always written so.
    public var externalData = false

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
            let dataFile = usesExternalData(graph) ? destination + ".data" : nil
            try write(onnx, to: destination, dataFile: dataFile, source: source)
            return Report(externalData: dataFile, architecture: network.description.architecture, outputs: graph.outputs.map(\.name),
                          nodeCount: graph.nodes.count, initializerCount: graph.initializers.count)
        } catch {
            digest.abandon()
            throw error.inFile(source)
        }
    }

    /// Weights beyond this go beside the model: a protobuf file holds at most 2 GiB, and the graph needs room.
    static let embeddedLimit = ONNXModelWriter.protobufLimit - (64 << 20)

    private func usesExternalData(_ graph: ONNXGraph) -> Bool {
        externalData || graph.initializers.reduce(0) { $0 &+ ((try? $1.shape.byteCount(of: $1.dtype)) ?? Int.max / 2) } > Self.embeddedLimit
    }

    /// Writes the model and, with external data, its data file; both appear or neither does (the data file
    /// is placed first and removed again if the model cannot be).
    private func write(_ model: ONNXModel, to destination: String, dataFile: String?, source: String) throws(WeightKitError) {
        var data: AtomicOutputFile?
        if let dataFile {
            try Conversion.refuseWritingOverSource(source, dataFile)
            data = try AtomicOutputFile(destination: dataFile, overwrite: overwrite)
        }
        let output: AtomicOutputFile
        do {
            output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
        } catch {
            data?.discard()
            throw error
        }
        do {
            let location = String(destination.split(separator: "/").last ?? "") + ".data"
            try ONNXModelWriter.write(model, to: output, externalData: data.map { ONNXExternalDataFile($0, location: location) })
            try data?.commit()
        } catch {
            data?.discard()
            output.discard()
            throw error
        }
        do {
            try output.commit()
        } catch {
            if let dataFile { unlink(dataFile) }
            throw error
        }
    }
}
