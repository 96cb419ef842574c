/// The range of the pixel values the weights expect before the mean is taken.
public enum PixelScale: String, Sendable, CaseIterable, Codable {
    case unit = "0-1"
    case byte = "0-255"
}
