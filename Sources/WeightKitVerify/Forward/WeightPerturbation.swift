/// Every weight moved by a pseudo-random fraction of itself, up to `relative` either way: what rounding
/// the weights to a storage precision (float32, float16) does to them, to measure what such rounding does to
/// a network's outputs. Deterministic: the same weights get the same perturbation on every run.
public struct WeightPerturbation: Sendable, Equatable {
    /// The largest move of a weight, as a fraction of its value.
    public var relative: Double

    /// Creates a perturbation of at most `relative` of each weight.
    ///
    /// - Parameter relative: the largest move, as a fraction of the value.
    public init(relative: Double) {
        self.relative = relative
    }

    /// The rounding a dtype's storage makes, as a fraction of the value: half an ulp.
    ///
    /// - Parameter dtype: the storage precision.
    /// - Returns: a perturbation of half an ulp of that precision.
    public static func rounding(to dtype: DTypeName) -> WeightPerturbation {
        WeightPerturbation(relative: dtype.halfUlp)
    }

    /// `values` (the weights of tensor `index`) each times 1 + relative · r, r in [-1, 1).
    func apply(to values: inout [Float], tensor index: Int) {
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 &+ 0x5EED
        for position in values.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Double(Int64(bitPattern: state >> 11) % (1 << 24)) / Double(1 << 24) * 2 - 1
            values[position] = Float(Double(values[position]) * (1 + relative * r))
        }
    }

    /// The floating storage precisions a file's weights can have.
    public enum DTypeName: Sendable {
        /// The precision the weights are stored in.
        case float64, float32, float16, bfloat16

        var halfUlp: Double {
            switch self {
            case .float64: 0x1p-53
            case .float32: 0x1p-24
            case .float16: 0x1p-11
            case .bfloat16: 0x1p-8
            }
        }
    }
}
