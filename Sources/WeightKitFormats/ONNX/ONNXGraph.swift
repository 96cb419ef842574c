import WeightKitCore

/// One ONNX graph: nodes in a topological order, the weights they read as initializers, and the values
/// the graph takes and gives.
public struct ONNXGraph {
    /// The graph's name (WeightKit writes the architecture it recognised).
    public var name: String
    /// The nodes, each after the nodes whose outputs it reads.
    public var nodes: [ONNXNode]
    /// Each initializer's name, element type, shape and bytes (little-endian, produced when written).
    public var initializers: [OutputTensor]
    /// The values the graph takes.
    public var inputs: [ONNXValueInfo]
    /// The values the graph gives, in order.
    public var outputs: [ONNXValueInfo]

    /// - Parameters:
    ///   - name: the graph's name.
    ///   - nodes: the nodes in a topological order.
    ///   - initializers: the weights the nodes read.
    ///   - inputs: the values the graph takes.
    ///   - outputs: the values the graph gives.
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
