/// The order of the three input channels the first convolution expects.
public enum ChannelOrder: String, Sendable, CaseIterable, Codable {
    /// Red, green, blue (torchvision, timm, mmdetection's pytorch style).
    case rgb = "RGB"
    /// Blue, green, red (Detectron, detectron2's MSRA weights, Caffe-style models).
    case bgr = "BGR"
}
