/// The dimensions of a tensor, with an element count that is known not to overflow.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The size of each dimension, outermost first.
    public let dimensions: [Int]
    /// The product of the dimensions; 1 for a 0-d (scalar) shape.
    public let elementCount: Int

    /// Validates dimensions that came from a file: none negative, product within `Int`.
    ///
    /// - Parameter dimensions: the sizes, outermost first; empty for a scalar.
    /// - Throws: `WeightKitError` (`malformed`) for a negative dimension or an element count past `Int`.
    public init(_ dimensions: [Int]) throws(WeightKitError) {
        var count = 1
        for dimension in dimensions {
            guard dimension >= 0 else {
                throw WeightKitError(.malformed, "negative dimension \(dimension) in shape \(dimensions)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw WeightKitError(.malformed, "shape \(dimensions) has more elements than fit in 64 bits")
            }
            count = product
        }
        self.dimensions = dimensions
        self.elementCount = count
    }

    /// The shape of a 0-d tensor: no dimensions, one element.
    public static let scalar = Shape(trusted: [], elementCount: 1)

    private init(trusted dimensions: [Int], elementCount: Int) {
        self.dimensions = dimensions
        self.elementCount = elementCount
    }

    /// The number of dimensions.
    public var rank: Int { dimensions.count }

    /// The byte count of a tensor of this shape and `dtype`, or an error if it overflows.
    ///
    /// - Parameter dtype: the element type.
    /// - Returns: the element count times the dtype's item size.
    /// - Throws: `WeightKitError` (`malformed`) when the product overflows `Int`.
    public func byteCount(of dtype: DType) throws(WeightKitError) -> Int {
        let (bytes, overflow) = elementCount.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else {
            throw WeightKitError(.malformed, "shape \(dimensions) of \(dtype.rawValue) exceeds 64-bit byte counts")
        }
        return bytes
    }

    /// The dimensions as `[64, 3, 7, 7]`.
    public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
}
