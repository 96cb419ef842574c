/// A region of interest in input pixels: `x1, y1, x2, y2`.
public struct RegionOfInterest: Sendable, Equatable {
    /// The left, top, right and bottom edges, in input pixels.
    public var x1: Double, y1: Double, x2: Double, y2: Double

    /// Creates a region from its corners.
    ///
    /// - Parameters:
    ///   - x1: the left edge.
    ///   - y1: the top edge.
    ///   - x2: the right edge.
    ///   - y2: the bottom edge.
    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }
}
