import WeightKitCore

/// The network a canonical collection holds, recognised once from its names and shapes: the backbone's
/// family and shape, the pyramid levels and the heads. `record(in:)` is where it becomes metadata strings.
public struct NetworkTopology: Sendable, Equatable {
    public enum Backbone: Sendable, Equatable {
        /// Blocks per stage (res2..res5); bottleneck blocks have three convolutions; `groups` and the width
        /// per group come from the first block's 3x3 convolution (ResNeXt when groups > 1).
        case resnet(blocks: [Int], bottleneck: Bool, groups: Int?, widthPerGroup: Int?, preActivation: Bool)
        /// OSA blocks per stage (stage2..stage5), layers per block, each stage's layer width, depthwise
        /// layers, and how many blocks carry eSE.
        case vovnet(blocks: [Int], layersPerBlock: Int, stageChannels: [Int], depthwise: Bool, eseBlocks: Int)
    }

    public enum Head: String, Sendable, CaseIterable {
        case rpn, retinanet, fcos, box, mask, keypoint, classifier
    }

    public var backbone: Backbone?
    /// Pyramid levels with lateral convolutions (2...5), then the extra levels (6, 7) with their own convs.
    public var pyramidLevels: [Int] = []
    public var extraLevels: [Int] = []
    public var heads: [Head] = []

    /// `resnet-50`, `resnext-101-32x8d`, `vovnet-v2-39-ese`, `vovnet-v1-custom`; nil without a backbone.
    public var architecture: String? {
        switch backbone {
        case .resnet(let blocks, let bottleneck, let groups, let widthPerGroup, let preActivation):
            let depth = Self.resnetDepth(blocks, bottleneck)
            if preActivation { return "resnet-v2-\(depth)" }
            if let groups, let widthPerGroup, groups > 1 { return "resnext-\(depth)-\(groups)x\(widthPerGroup)d" }
            return "resnet-\(depth)"
        case .vovnet(let blocks, let layers, let channels, let depthwise, let eseBlocks):
            var name = eseBlocks > 0 ? "vovnet-v2" : "vovnet-v1"
            name += Self.vovnetDepth(blocks, layers).map { "-\($0)" } ?? "-custom"
            if channels.first.map({ $0 < 128 }) ?? false { name += "-slim" }
            if depthwise { name += "-dw" }
            if eseBlocks > 0 { name += "-ese" }
            return name
        case nil:
            return nil
        }
    }

    private static func resnetDepth(_ blocks: [Int], _ bottleneck: Bool) -> Int {
        2 + (bottleneck ? 3 : 2) * blocks.reduce(0, +)
    }

    private static func vovnetDepth(_ blocks: [Int], _ layers: Int) -> Int? {
        switch (blocks, layers) {
        case ([1, 1, 1, 1], 3): return 19
        case ([1, 1, 2, 2], 5): return 39
        case ([1, 1, 4, 3], 5): return 57
        case ([1, 3, 9, 3], 5): return 99
        default: return nil
        }
    }

    /// Records the topology under the documented `weightkit.*` keys.
    public func record(in collection: inout TensorCollection) {
        let list = { (values: [Int]) in values.map(String.init).joined(separator: ",") }
        collection[.architecture] = architecture
        switch backbone {
        case .resnet(let blocks, let bottleneck, let groups, let widthPerGroup, _):
            collection[.depth] = String(Self.resnetDepth(blocks, bottleneck))
            collection[.blocks] = list(blocks)
            collection[.groups] = groups.map(String.init)
            collection[.widthPerGroup] = widthPerGroup.map(String.init)
        case .vovnet(let blocks, let layers, let channels, _, let eseBlocks):
            collection[.depth] = Self.vovnetDepth(blocks, layers).map(String.init)
            collection[.blocks] = list(blocks)
            collection[.layersPerBlock] = String(layers)
            collection[.stageChannels] = list(channels)
            if eseBlocks > 0 {
                let total = blocks.reduce(0, +)
                collection[.ese] = eseBlocks == total ? "every-block"
                    : eseBlocks == blocks.count ? "last-block-of-stage" : "\(eseBlocks)-of-\(total)-blocks"
            }
        case nil:
            break
        }
        if !pyramidLevels.isEmpty {
            collection[.neck] = "fpn(" + (pyramidLevels + extraLevels).map { "p\($0)" }.joined(separator: ",") + ")"
        }
        if !heads.isEmpty { collection[.heads] = heads.map(\.rawValue).joined(separator: ",") }
    }
}
