import WeightKitCore

/// One node of an ONNX graph: an operator of the default domain, the values it reads and writes, and its
/// attributes.
public struct ONNXNode: Sendable, Equatable {
    /// An attribute's value, of one of the kinds WeightKit writes.
    public enum Attribute: Sendable, Equatable {
        /// One integer (`INT`).
        case int(Int)
        /// One float (`FLOAT`).
        case float(Float)
        /// Integers (`INTS`), such as kernel shapes and pads.
        case ints([Int])
        /// Floats (`FLOATS`).
        case floats([Float])
        /// Text (`STRING`), such as a Resize mode.
        case string(String)
        /// A small tensor held in the node itself (a Constant's value).
        case tensor(Constant)
    }

    /// A tensor small enough to live in an attribute: its element type, shape and little-endian bytes.
    public struct Constant: Sendable, Equatable {
        /// The element type.
        public var dtype: DType
        /// The shape; empty for a scalar.
        public var dimensions: [Int]
        /// The elements, little-endian.
        public var bytes: [UInt8]

        /// - Parameters:
        ///   - dtype: the element type.
        ///   - dimensions: the shape; empty for a scalar.
        ///   - bytes: the elements, little-endian.
        public init(dtype: DType, dimensions: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.dimensions = dimensions
            self.bytes = bytes
        }
    }

    /// The operator of the default domain (`Conv`, `RoiAlign`, ...).
    public var operatorType: String
    /// The values read, in the operator's order; an empty name skips an optional input.
    public var inputs: [String]
    /// The values written.
    public var outputs: [String]
    /// The node's own name, unique in the graph.
    public var name: String
    /// Attributes by name, written in name order so the same graph gives the same bytes.
    public var attributes: [String: Attribute]

    /// - Parameters:
    ///   - operatorType: the operator.
    ///   - inputs: the values read.
    ///   - outputs: the values written.
    ///   - name: the node's name.
    ///   - attributes: the attributes by name.
    public init(_ operatorType: String, inputs: [String], outputs: [String], name: String, attributes: [String: Attribute] = [:]) {
        self.operatorType = operatorType
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.attributes = attributes
    }
}
