/// A region of interest in input pixels: `x1, y1, x2, y2`.
public struct RegionOfInterest: Sendable, Equatable {
    public var x1: Double, y1: Double, x2: Double, y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }
}
