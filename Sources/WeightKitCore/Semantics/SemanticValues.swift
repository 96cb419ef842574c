/// The order of the three input channels the first convolution expects.
public enum ChannelOrder: String, Sendable, CaseIterable, Codable {
    case rgb = "RGB"
    case bgr = "BGR"
}

/// Where a ResNet bottleneck puts its stride: the first 1x1 convolution (Caffe2/MSRA, detectron2's default,
/// maskrcnn-benchmark, MXNet) or the 3x3 (torchvision, timm).
public enum StrideIn: String, Sendable, CaseIterable, Codable {
    case oneByOne = "1x1"
    case threeByThree = "3x3"
}

/// The norm a framework's backbone uses; all compute `(x - mean) / sqrt(var + eps) * weight + bias` at
/// inference, with the statistics a file holds or synthesises.
public enum NormKind: String, Sendable, CaseIterable, Codable {
    /// torch `BatchNorm2d`, gluon and MXNet `BatchNorm`, SyncBN.
    case batchNorm = "batch-norm"
    /// detectron2, maskrcnn-benchmark and torchvision detection's `FrozenBatchNorm2d`.
    case frozenBatchNorm = "frozen-batch-norm"
    /// Caffe2's `AffineChannel` (`x * scale + bias`): WeightKit synthesises mean 0 and variance 1 - eps.
    case affineChannel = "affine-channel"
}

/// The range of the pixel values the weights expect before the mean is taken.
public enum PixelScale: String, Sendable, CaseIterable, Codable {
    case unit = "0-1"
    case byte = "0-255"
}

/// Where a classifier puts its background class, in the canonical weights.
public enum ClassOrder: String, Sendable, CaseIterable, Codable {
    /// detectron2's order: the background is the last class (moved there from Caffe2's and torchvision's 0).
    case backgroundLast = "background-last"
    /// torchvision's RetinaNet and FCOS: class 0 is the background, never predicted, kept in place.
    case backgroundFirst = "background-first"
}

/// The tower an FCOS centerness branch reads.
public enum Tower: String, Sendable, CaseIterable, Codable {
    case classification
    case regression
}

/// A learned normalisation of the raw input before the stem (MXNet's `bn_data`).
public enum InputNormalization: String, Sendable, CaseIterable, Codable {
    case batchNorm = "batch-norm"
}

/// Which VoVNet blocks carry effective squeeze-excitation.
public enum EsePlacement: Sendable, Equatable {
    /// vovnet-detectron2 and CenterMask.
    case everyBlock
    /// timm.
    case lastBlockOfStage
    /// Any other pattern, by count.
    case blocks(Int, of: Int)

    /// `every-block`, `last-block-of-stage`, `N-of-M-blocks`.
    public var text: String {
        switch self {
        case .everyBlock: "every-block"
        case .lastBlockOfStage: "last-block-of-stage"
        case .blocks(let count, let total): "\(count)-of-\(total)-blocks"
        }
    }

    public init?(text: String) {
        switch text {
        case "every-block": self = .everyBlock
        case "last-block-of-stage": self = .lastBlockOfStage
        default:
            let parts = text.split(separator: "-")
            guard parts.count == 4, parts[1] == "of", parts[3] == "blocks", let count = Int(parts[0]), let total = Int(parts[2]),
                  count >= 0, total >= count
            else { return nil }
            self = .blocks(count, of: total)
        }
    }
}
