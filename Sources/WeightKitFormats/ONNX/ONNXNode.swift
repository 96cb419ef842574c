import WeightKitCore

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
        /// A small tensor held in the node itself (a Constant's value).
        case tensor(Constant)
    }

    /// A tensor small enough to live in an attribute: its element type, shape and little-endian bytes.
    public struct Constant: Sendable, Equatable {
        public var dtype: DType
        public var dimensions: [Int]
        public var bytes: [UInt8]

        public init(dtype: DType, dimensions: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.dimensions = dimensions
            self.bytes = bytes
        }
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
