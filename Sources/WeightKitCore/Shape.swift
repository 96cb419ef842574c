/// The dimensions of a tensor, with an element count that is known not to overflow.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public let dimensions: [Int]
    /// The product of the dimensions; 1 for a 0-d (scalar) shape.
    public let elementCount: Int

    /// Validates dimensions that came from a file: none negative, product within `Int`.
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

    public static let scalar = Shape(trusted: [], elementCount: 1)

    private init(trusted dimensions: [Int], elementCount: Int) {
        self.dimensions = dimensions
        self.elementCount = elementCount
    }

    public var rank: Int { dimensions.count }

    /// The byte count of a tensor of this shape and `dtype`, or an error if it overflows.
    public func byteCount(of dtype: DType) throws(WeightKitError) -> Int {
        let (bytes, overflow) = elementCount.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else {
            throw WeightKitError(.malformed, "shape \(dimensions) of \(dtype.rawValue) exceeds 64-bit byte counts")
        }
        return bytes
    }

    public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
}
