import WeightKitCore

/// A graph input or output: its name, element type and shape, each dimension fixed or named.
public struct ONNXValueInfo: Sendable, Equatable {
    /// One dimension of a declared shape.
    public enum Dimension: Sendable, Equatable {
        /// A size the graph always has.
        case fixed(Int)
        /// A size the graph takes at run time (`dim_param`), such as the image height.
        case symbolic(String)
        /// A size neither fixed nor named: only the rank is declared.
        case unknown
    }

    /// The value's name in the graph.
    public var name: String
    /// The element type.
    public var elementType: DType
    /// nil when the shape is left to the runtime's inference.
    public var dimensions: [Dimension]?

    /// - Parameters:
    ///   - name: the value's name.
    ///   - elementType: the element type.
    ///   - dimensions: the shape, or nil to leave it undeclared.
    public init(name: String, elementType: DType, dimensions: [Dimension]?) {
        self.name = name
        self.elementType = elementType
        self.dimensions = dimensions
    }
}
