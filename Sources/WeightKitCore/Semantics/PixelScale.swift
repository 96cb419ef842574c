/// The range of the pixel values the weights expect before the mean is taken.
public enum PixelScale: String, Sendable, CaseIterable, Codable {
    /// Values in [0, 1].
    case unit = "0-1"
    /// Values in [0, 255].
    case byte = "0-255"
}
