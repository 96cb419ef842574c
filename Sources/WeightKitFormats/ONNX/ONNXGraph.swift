import WeightKitCore

/// One ONNX graph: nodes in a topological order, the weights they read as initializers, and the values
/// the graph takes and gives.
public struct ONNXGraph {
    public var name: String
    public var nodes: [ONNXNode]
    /// Each initializer's name, element type, shape and bytes (little-endian, produced when written).
    public var initializers: [OutputTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    public init(
        name: String, nodes: [ONNXNode], initializers: [OutputTensor], inputs: [ONNXValueInfo], outputs: [ONNXValueInfo]
    ) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }
}
