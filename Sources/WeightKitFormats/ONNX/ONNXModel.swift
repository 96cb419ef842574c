import WeightKitCore

/// An ONNX model as WeightKit writes it: one graph, the default operator set at one version, and string
/// metadata (`metadata_props`).
public struct ONNXModel {
    public var graph: ONNXGraph
    /// The version of the default (`ai.onnx`) operator set every node is checked against.
    public var opsetVersion: Int
    /// The IR version of the file format; the lowest one the operator set version needs.
    public var irVersion: Int
    /// The program that wrote the model.
    public var producerName: String
    /// That program's version.
    public var producerVersion: String
    /// Key-value pairs in the order written.
    public var metadata: [(key: String, value: String)]

    /// - Parameters:
    ///   - graph: the nodes, their initializers and the graph's inputs and outputs.
    ///   - opsetVersion: the `ai.onnx` operator set version.
    ///   - producerName: the program that wrote the model.
    ///   - producerVersion: that program's version.
    ///   - metadata: `metadata_props`, in order.
    public init(
        graph: ONNXGraph, opsetVersion: Int, producerName: String, producerVersion: String,
        metadata: [(key: String, value: String)] = []
    ) {
        self.graph = graph
        self.opsetVersion = opsetVersion
        irVersion = Self.irVersion(forOpset: opsetVersion)
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.metadata = metadata
    }

    /// The lowest IR version that carries operator set `opset` (onnx/helper.py's VERSION_TABLE).
    ///
    /// - Parameter opset: an `ai.onnx` operator set version.
    /// - Returns: the IR version to write with it.
    public static func irVersion(forOpset opset: Int) -> Int {
        switch opset {
        case ...8: return 3
        case 9: return 4
        case 10: return 5
        case 11: return 6
        case 12...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        case 21...22: return 10
        case 23: return 11
        case 24...25: return 12
        default: return 13
        }
    }
}
