import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// One image's activations in C×H×W order, float32.
public struct FeatureMap: Sendable {
    /// The number of channels (C).
    public var channels: Int
    /// The height in rows (H).
    public var height: Int
    /// The width in columns (W).
    public var width: Int
    /// The activations, `channels * height * width` of them, channel by channel, each row by row.
    public var values: [Float]
    /// The forward pass's reservation for `values`, returned when the last copy of this map goes away.
    var reservation: ForwardMemory.Reservation?
    /// The graph value this map stands for in a traced pass (see `GraphTrace`); nil when nothing is traced.
    var symbol: String?

    /// Creates a map from its values; their count must be `channels * height * width`.
    ///
    /// - Parameters:
    ///   - channels: the number of channels.
    ///   - height: the height.
    ///   - width: the width.
    ///   - values: the activations in C×H×W order.
    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "feature map size mismatch")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// Creates a map of zeros.
    ///
    /// - Parameters:
    ///   - channels: the number of channels.
    ///   - height: the height.
    ///   - width: the width.
    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width,
                  values: [Float](repeating: 0, count: channels * height * width))
    }

    var plane: Int { height * width }

    /// A deterministic pseudo-random input in [-1, 1) (a linear congruential sequence), the same on every run.
    ///
    /// - Parameters:
    ///   - channels: the number of channels.
    ///   - height: the height.
    ///   - width: the width.
    ///   - seed: the sequence's start; the same seed gives the same map.
    /// - Returns: the map.
    public static func deterministic(channels: Int, height: Int, width: Int, seed: UInt64 = 0x5EED) -> FeatureMap {
        var state = seed
        let values = (0..<channels * height * width).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 24) * 2 - 1
        }
        return FeatureMap(channels: channels, height: height, width: width, values: values)
    }

    /// The channels in reverse order (RGB <-> BGR).
    func reversingChannels() -> FeatureMap {
        var copy = self
        for channel in 0..<channels {
            let source = (channels - 1 - channel) * plane
            copy.values.replaceSubrange(channel * plane..<(channel + 1) * plane, with: values[source..<source + plane])
        }
        return copy
    }
}
