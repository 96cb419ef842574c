import WeightKitCore

/// A graph input or output: its name, element type and shape, each dimension fixed or named.
public struct ONNXValueInfo: Sendable, Equatable {
    public enum Dimension: Sendable, Equatable {
        case fixed(Int)
        /// A size the graph takes at run time (`dim_param`), such as the image height.
        case symbolic(String)
        /// A size neither fixed nor named: only the rank is declared.
        case unknown
    }

    public var name: String
    public var elementType: DType
    /// nil when the shape is left to the runtime's inference.
    public var dimensions: [Dimension]?

    public init(name: String, elementType: DType, dimensions: [Dimension]?) {
        self.name = name
        self.elementType = elementType
        self.dimensions = dimensions
    }
}
