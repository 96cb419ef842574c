import WeightKitCore
import WeightKitLayouts

/// VoVNet V1/V2 in vovnet-detectron2's names: stem layers `stem.stem_{1,2,3}`, OSA blocks
/// `stage{S}.OSA{S}_{B}` with `layers.N.OSA{S}_{B}_N` (a `/conv` module, or `/dw_conv3x3` + `/pw_conv1x1`
/// with `/pw_norm`), the `concat` 1x1 layer and `ese.fc`. eSE runs wherever its weights are, and the
/// identity is added to every block after the first of a stage when the network has eSE (V2).
package struct VoVNetFamily: NetworkFamily {
    package static let role = NetworkRole.backbone
    package static let inputConvolutions = [stem(1) + "/conv.weight"]

    // MARK: Names

    /// Stem layer `index` (1...3).
    package static func stem(_ index: Int) -> String {
        CanonicalName.bottomUp + "stem.stem_\(index)"
    }

    /// The OSA block's own name, `OSA{stage}_{block}` (blocks count from 1).
    static func osa(stage: Int, block: Int) -> String {
        "OSA\(stage)_\(block)"
    }

    /// The prefix of OSA block `block` of stage `stage`, ending in a dot.
    static func block(stage: Int, block: Int) -> String {
        CanonicalName.bottomUp + "stage\(stage).\(osa(stage: stage, block: block))."
    }

    /// Layer `layer` (from 0) of an OSA block.
    static func layer(stage: Int, block: Int, layer: Int) -> String {
        self.block(stage: stage, block: block) + "layers.\(layer).\(osa(stage: stage, block: block))_\(layer)"
    }

    /// The 1x1 convolution over the concatenated layers.
    static func concat(stage: Int, block: Int) -> String {
        self.block(stage: stage, block: block) + "concat.\(osa(stage: stage, block: block))_concat"
    }

    /// The 1x1 reduction some variants put before the layers.
    static func reduction(stage: Int, block: Int) -> String {
        self.block(stage: stage, block: block) + "conv_reduction.\(osa(stage: stage, block: block))_reduction_0"
    }

    /// The block's effective squeeze-excitation 1x1 convolution (with bias).
    static func ese(stage: Int, block: Int) -> String {
        self.block(stage: stage, block: block) + "ese.fc"
    }

    // MARK: Topology

    /// OSA blocks per stage (stage2..stage5).
    let blocks: [Int]
    let layersPerBlock: Int
    /// Each stage's layer width.
    let stageChannels: [Int]
    let depthwise: Bool
    /// Blocks that carry eSE.
    let eseBlocks: Int

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> VoVNetFamily? {
        guard tensors[stem(1) + "/conv.weight"] != nil else { return nil }
        for index in 1...3 { try tensors.requireRank(stem(index) + "/conv.weight", 4) }
        var blocks: [Int] = [], channels: [Int] = [], eseBlocks = 0, depthwise = false
        for stage in 2...5 {
            var count = 0
            while let (first, dw) = try firstConvolution(layer(stage: stage, block: count + 1, layer: 0), tensors) {
                depthwise = depthwise || dw
                if count == 0 { channels.append(first.shape.dimensions[0]) }
                if tensors[ese(stage: stage, block: count + 1) + ".weight"] != nil { eseBlocks += 1 }
                count += 1
            }
            guard count > 0 else { break }
            blocks.append(count)
        }
        guard !blocks.isEmpty else { return nil }
        var layers = 0
        while try firstConvolution(layer(stage: 2, block: 1, layer: layers), tensors) != nil { layers += 1 }
        return VoVNetFamily(blocks: blocks, layersPerBlock: layers, stageChannels: channels, depthwise: depthwise,
                            eseBlocks: eseBlocks)
    }

    /// A layer's first convolution and whether the layer is depthwise, its rank checked.
    private static func firstConvolution(_ layer: String, _ tensors: TensorCollection) throws(WeightKitError)
        -> (tensor: Tensor, depthwise: Bool)?
    {
        for (suffix, depthwise) in [("/conv.weight", false), ("/pw_conv1x1.weight", true)] {
            guard let tensor = tensors[layer + suffix] else { continue }
            try tensors.requireRank(layer + suffix, 4)
            return (tensor, depthwise)
        }
        return nil
    }

    /// 19, 39, 57 or 99 for the published block counts.
    var depth: Int? {
        switch (blocks, layersPerBlock) {
        case ([1, 1, 1, 1], 3): 19
        case ([1, 1, 2, 2], 5): 39
        case ([1, 1, 4, 3], 5): 57
        case ([1, 3, 9, 3], 5): 99
        default: nil
        }
    }

    var esePlacement: EsePlacement? {
        guard eseBlocks > 0 else { return nil }
        let total = blocks.reduce(0, +)
        return eseBlocks == total ? .everyBlock : eseBlocks == blocks.count ? .lastBlockOfStage : .blocks(eseBlocks, of: total)
    }

    package func describe(_ description: inout NetworkDescription) {
        description.ese = esePlacement
        guard blocks.count == 4 else { return }
        var name = eseBlocks > 0 ? "vovnet-v2" : "vovnet-v1"
        name += depth.map { "-\($0)" } ?? "-custom"
        if stageChannels.first.map({ $0 < 128 }) ?? false { name += "-slim" }
        if depthwise { name += "-dw" }
        if eseBlocks > 0 { name += "-ese" }
        description.architecture = name
        description.details[.depth] = depth.map(String.init)
        description.details[.blocks] = blocks.map(String.init).joined(separator: ",")
        description.details[.layersPerBlock] = String(layersPerBlock)
        description.details[.stageChannels] = stageChannels.map(String.init).joined(separator: ",")
    }

    // MARK: Forward pass

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights
        var x = try layer(state.input, Self.stem(1), stride: 2, weights)
        x = try layer(x, Self.stem(2), weights)
        x = try layer(x, Self.stem(3), stride: 2, weights)
        state.emit("stem", x)
        for (index, count) in blocks.enumerated() {
            let stage = index + 2
            if stage > 2 { x = try weights.maxPool(x, kernel: 3, stride: 2, padding: 0, ceilMode: true) }
            for block in 1...count {
                x = try osaBlock(x, stage: stage, block: block, weights)
            }
            state.emit(stage: stage, name: "stage\(stage)", x)
        }
    }

    /// One OSA block: its layers in a chain, the 1x1 concat layer over the input and every layer's output,
    /// eSE, and the identity for blocks after the first of a V2 stage.
    private func osaBlock(_ x: FeatureMap, stage: Int, block: Int, _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var features = [x]
        var y = x
        let reduction = Self.reduction(stage: stage, block: block)
        if weights.has(reduction + "/conv.weight") { y = try layer(y, reduction, weights) }
        for index in 0..<layersPerBlock {
            y = try layer(y, Self.layer(stage: stage, block: block, layer: index), weights)
            features.append(y)
        }
        let concat = Self.concat(stage: stage, block: block)
        y = try weights.convolution(concatenating: features, weight: concat + "/conv.weight", bias: concat + "/conv.bias")
        try weights.normalize(&y, concat + "/norm", relu: true)
        try squeezeExcite(&y, Self.ese(stage: stage, block: block), weights)
        if eseBlocks > 0, block > 1 { try weights.add(&y, x) }
        return y
    }

    /// conv(+bias) -> norm -> relu for a `name/conv` module, or dw3x3 -> pw1x1 -> pw_norm -> relu.
    private func layer(_ x: FeatureMap, _ name: String, stride: Int = 1, _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var y: FeatureMap
        if weights.has(name + "/dw_conv3x3.weight") {
            y = try weights.convolution(x, weight: name + "/dw_conv3x3.weight", stride: stride)
            y = try weights.convolution(y, weight: name + "/pw_conv1x1.weight", bias: name + "/pw_conv1x1.bias")
            try weights.normalize(&y, name + "/pw_norm", relu: true)
        } else {
            y = try weights.convolution(x, weight: name + "/conv.weight", bias: name + "/conv.bias", stride: stride)
            try weights.normalize(&y, name + "/norm", relu: true)
        }
        return y
    }

    /// Effective squeeze-excitation where the block has it: global average pool, 1x1 conv with bias,
    /// hard sigmoid, channel scaling.
    private func squeezeExcite(_ y: inout FeatureMap, _ ese: String, _ weights: NetworkWeights) throws(WeightKitError) {
        guard weights.has(ese + ".weight") else { return }
        let pooled = try weights.globalAveragePool(y)
        let gate = try weights.convolution(pooled, weight: ese + ".weight", bias: ese + ".bias")
        guard gate.channels == y.channels else {
            throw WeightKitError(.malformed, "eSE gives \(gate.channels) gates for \(y.channels) channels",
                                 location: .init(tensor: ese + ".weight"))
        }
        try weights.gate(&y, by: gate)
    }
}
