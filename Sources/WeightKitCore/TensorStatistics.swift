/// Summary statistics of a tensor's finite values, with counts of the values left out.
public struct TensorStatistics: Sendable, Codable, Equatable {
    /// The smallest finite value; nil when there is none.
    public var min: Double?
    /// The largest finite value; nil when there is none.
    public var max: Double?
    /// The mean of the finite values; nil when there is none.
    public var mean: Double?
    /// The population standard deviation of the finite values; nil when there is none.
    public var std: Double?
    /// How many values are NaN.
    public var nanCount: Int
    /// How many values are infinite.
    public var infCount: Int

    /// Computes the statistics in float64 (Welford's update), or nil for complex tensors.
    ///
    /// - Parameter tensor: the tensor to summarise.
    public init?(_ tensor: Tensor) {
        var count = 0
        var mean = 0.0, squares = 0.0
        var low = Double.infinity, high = -Double.infinity
        var nans = 0, infs = 0
        let real = tensor.forEachScalar { value in
            if value.isNaN { nans += 1; return }
            if value.isInfinite { infs += 1; return }
            count += 1
            let delta = value - mean
            mean += delta / Double(count)
            squares += delta * (value - mean)
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        guard real else { return nil }
        nanCount = nans
        infCount = infs
        if count > 0 {
            self.min = low
            self.max = high
            self.mean = mean
            self.std = (squares / Double(count)).squareRoot()
        }
    }
}
