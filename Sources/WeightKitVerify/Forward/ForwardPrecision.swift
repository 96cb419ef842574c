/// How the forward pass rounds its sums. Maps are stored in float32 either way; what differs is the
/// arithmetic inside each layer.
public enum ForwardPrecision: Sendable, Equatable {
    /// Every product and sum of a layer in float64 (a product of two float32 values is exact in float64),
    /// rounded once to the float32 map: far more accurate than a float32 framework, the reference.
    case reference
    /// Products and sums in float32, as frameworks compute them (Winograd where it pays): how far a correct
    /// float32 computation of the same network drifts, the noise floor's estimate.
    case float32
}
