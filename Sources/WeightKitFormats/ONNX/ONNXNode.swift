/// One node of an ONNX graph: an operator of the default domain, the values it reads and writes, and its
/// attributes.
public struct ONNXNode: Sendable, Equatable {
    /// An attribute's value, of one of the kinds WeightKit writes.
    public enum Attribute: Sendable, Equatable {
        case int(Int)
        case float(Float)
        case ints([Int])
        case floats([Float])
        case string(String)
    }

    public var operatorType: String
    public var inputs: [String]
    public var outputs: [String]
    public var name: String
    /// Attributes by name, written in name order so the same graph gives the same bytes.
    public var attributes: [String: Attribute]

    public init(_ operatorType: String, inputs: [String], outputs: [String], name: String, attributes: [String: Attribute] = [:]) {
        self.operatorType = operatorType
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.attributes = attributes
    }
}
