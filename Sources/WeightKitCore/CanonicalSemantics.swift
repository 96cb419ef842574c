import Foundation

/// The order of the three input channels the first convolution expects.
public enum ChannelOrder: String, Sendable, CaseIterable {
    case rgb = "RGB"
    case bgr = "BGR"
}

/// Where a ResNet bottleneck puts its stride: the first 1x1 convolution (Caffe2/MSRA, detectron2's default,
/// maskrcnn-benchmark, MXNet) or the 3x3 (torchvision, timm).
public enum StrideIn: String, Sendable, CaseIterable {
    case oneByOne = "1x1"
    case threeByThree = "3x3"
}

/// What a container records about how its weights compute, as typed values: metadata holds them as
/// strings, and this is the one place that reads and writes those strings.
public struct CanonicalSemantics: Sendable, Equatable {
    /// The eps of every norm when a file or layout does not say (torch, detectron2 and gluon use it).
    public static let defaultNormEps = 1e-5

    public var normEps: Double
    public var strideIn: StrideIn?
    public var channelOrder: ChannelOrder?
    /// Per input channel, in `channelOrder`.
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?

    public init(normEps: Double = CanonicalSemantics.defaultNormEps, strideIn: StrideIn? = nil,
                channelOrder: ChannelOrder? = nil, pixelMean: [Double]? = nil, pixelStd: [Double]? = nil) {
        self.normEps = normEps
        self.strideIn = strideIn
        self.channelOrder = channelOrder
        self.pixelMean = pixelMean
        self.pixelStd = pixelStd
    }

    /// Reads the semantics recorded in `metadata`; what is missing or unreadable takes its default.
    public init(metadata: [String: String]) {
        func numbers(_ key: ContainerKey) -> [Double]? {
            guard let text = metadata[key.rawValue] else { return nil }
            let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            return values.isEmpty ? nil : values
        }
        self.init(
            normEps: metadata[ContainerKey.normEps.rawValue].flatMap(Double.init) ?? Self.defaultNormEps,
            strideIn: metadata[ContainerKey.strideIn.rawValue].flatMap(StrideIn.init(rawValue:)),
            channelOrder: metadata[ContainerKey.channelOrder.rawValue].flatMap(ChannelOrder.init(rawValue:)),
            pixelMean: numbers(.pixelMean), pixelStd: numbers(.pixelStd))
    }

    /// Numbers as metadata lists them: `103.53,116.28,123.675`.
    public static func text(_ values: [Double]) -> String {
        values.map(format).joined(separator: ",")
    }

    /// A number as metadata spells it: the shortest text that reads back to the same value.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

extension TensorCollection {
    /// The semantics recorded in this collection's metadata.
    public var semantics: CanonicalSemantics { CanonicalSemantics(metadata: metadata) }
}
