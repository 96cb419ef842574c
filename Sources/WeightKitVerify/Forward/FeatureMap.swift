import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// One image's activations in C×H×W order, float32.
public struct FeatureMap: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var values: [Float]
    /// The forward pass's reservation for `values`, returned when the last copy of this map goes away.
    var reservation: ForwardMemory.Reservation?
    /// The graph value this map stands for in a traced pass (see `GraphTrace`); nil when nothing is traced.
    var symbol: String?

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "feature map size mismatch")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width,
                  values: [Float](repeating: 0, count: channels * height * width))
    }

    var plane: Int { height * width }

    /// A deterministic pseudo-random input in [-1, 1) (a linear congruential sequence), the same on every run.
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
