/// A learned normalisation of the raw input before the stem (MXNet's `bn_data`).
public enum InputNormalization: String, Sendable, CaseIterable, Codable {
    /// A BatchNorm over the raw input channels.
    case batchNorm = "batch-norm"
}
