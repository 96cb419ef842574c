/// The order of the three input channels the first convolution expects.
public enum ChannelOrder: String, Sendable, CaseIterable, Codable {
    case rgb = "RGB"
    case bgr = "BGR"
}
