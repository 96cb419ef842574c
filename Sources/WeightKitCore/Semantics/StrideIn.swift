/// Where a ResNet bottleneck puts its stride: the first 1x1 convolution (Caffe2/MSRA, detectron2's default,
/// maskrcnn-benchmark, MXNet) or the 3x3 (torchvision, timm).
public enum StrideIn: String, Sendable, CaseIterable, Codable {
    /// The stride is in the first 1x1 convolution.
    case oneByOne = "1x1"
    /// The stride is in the 3x3 convolution.
    case threeByThree = "3x3"
}
