import WeightKitCore
import WeightKitLayouts

/// ResNet and ResNeXt (v1, and pre-activation v2) in detectron2's names: `backbone.bottom_up.stem.conv1`,
/// `res{2..5}.{block}.conv{1,2,3}` with `.norm` and `shortcut`; MXNet's learned input norm `input_norm` and
/// v2's `preact.norm` / `postact.norm`. The bottleneck stride sits where the source put it
/// (`weightkit.stride_in`).
package struct ResNetFamily: NetworkFamily {
    package static let role = NetworkRole.backbone
    package static let inputConvolutions = [stem + ".weight"]

    // MARK: Names

    /// The stem convolution module.
    package static let stem = CanonicalName.bottomUp + "stem.conv1"
    /// MXNet's learned input normalisation (`bn_data`), kept before the stem.
    package static let inputNorm = CanonicalName.bottomUp + "input_norm"
    /// A pre-activation (v2) network's norm after its last stage, before the classifier.
    package static let postActivationNorm = CanonicalName.bottomUp + "postact.norm"

    /// The prefix of block `block` of stage `stage` (2...5), ending in a dot. A pre-activation (v2) block's
    /// input norm is `preact.norm` under it.
    package static func block(stage: Int, block: Int) -> String {
        CanonicalName.bottomUp + "res\(stage).\(block)."
    }

    // MARK: Topology

    /// Blocks per stage (res2..res5).
    let blocks: [Int]
    /// Bottleneck blocks have three convolutions, basic blocks two.
    let bottleneck: Bool
    /// From the first block's 3x3 convolution (ResNeXt when groups > 1).
    let groups: Int?
    let widthPerGroup: Int?
    let preActivation: Bool

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> ResNetFamily? {
        guard tensors[stem + ".weight"] != nil else { return nil }
        try tensors.requireRank(stem + ".weight", 4)
        // Stages from res2 on, as far as they go (a C4 detector's backbone ends at res4).
        var blocks: [Int] = []
        for stage in 2...5 {
            var count = 0
            while tensors[block(stage: stage, block: count) + "conv1.weight"] != nil {
                for convolution in ["conv1", "conv2", "conv3", "shortcut"] {
                    try tensors.requireRank(block(stage: stage, block: count) + convolution + ".weight", 4)
                }
                count += 1
            }
            guard count > 0 else { break }
            blocks.append(count)
        }
        guard !blocks.isEmpty else { return nil }
        let first = block(stage: 2, block: 0)
        let bottleneck = tensors[first + "conv3.weight"] != nil
        var groups: Int?, widthPerGroup: Int?
        if bottleneck, let conv1 = tensors[first + "conv1.weight"], let conv2 = tensors[first + "conv2.weight"],
           conv2.shape.dimensions[1] > 0
        {
            let width = conv1.shape.dimensions[0]
            groups = width / conv2.shape.dimensions[1]
            widthPerGroup = width / max(groups ?? 1, 1)
        }
        return ResNetFamily(blocks: blocks, bottleneck: bottleneck, groups: groups, widthPerGroup: widthPerGroup,
                            preActivation: tensors[first + "preact.norm.weight"] != nil)
    }

    var depth: Int { 2 + (bottleneck ? 3 : 2) * blocks.reduce(0, +) }

    package func describe(_ description: inout NetworkDescription) {
        // A network WeightKit names has all four stages; a partial one (only its stem and first stages)
        // still runs, unnamed.
        guard blocks.count == 4 else { return }
        if preActivation {
            description.architecture = "resnet-v2-\(depth)"
        } else if let groups, let widthPerGroup, groups > 1 {
            description.architecture = "resnext-\(depth)-\(groups)x\(widthPerGroup)d"
        } else {
            description.architecture = "resnet-\(depth)"
        }
        description.details[.depth] = String(depth)
        description.details[.blocks] = blocks.map(String.init).joined(separator: ",")
        description.details[.groups] = groups.map(String.init)
        description.details[.widthPerGroup] = widthPerGroup.map(String.init)
    }

    package func declare(_ structure: inout NetworkStructure) {
        for (index, count) in blocks.enumerated() { structure.lastBlockOfStage[index + 2] = count - 1 }
        structure.unfoldableNorms[Self.inputNorm] = "it normalises the input, before any convolution"
        structure.unfoldableNorms[Self.postActivationNorm] = "it follows the last block's sum, not a convolution"
        guard preActivation else { return }
        for (index, count) in blocks.enumerated() {
            for block in 0..<count {
                structure.unfoldableNorms[Self.block(stage: index + 2, block: block) + "preact.norm"] =
                    "it comes before its convolution (pre-activation)"
            }
        }
    }

    // MARK: Forward pass

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights
        let strideIn1x1 = weights.collection.semantics.strideIn != .threeByThree
        let res5Dilation = weights.collection.semantics.res5Dilation ?? 1
        var x = weights.has(Self.inputNorm + ".weight") ? try weights.copy(state.input) : state.input
        try weights.normalize(&x, Self.inputNorm)
        x = try weights.convolutionWithNorm(x, Self.stem, stride: 2)
        x = try weights.maxPool(x, kernel: 3, stride: 2, padding: 1, ceilMode: false)
        state.emit("stem", x)
        let trident = weights.collection.semantics.tridentDilations
        for (index, count) in blocks.enumerated() {
            let stage = index + 2
            if stage == 4, let trident, count > 1 {
                try runTrident(&state, &x, blocks: count, dilations: trident, weights)
                continue
            }
            for block in 0..<count {
                let prefix = Self.block(stage: stage, block: block)
                // A dilated res5 keeps stride 16 and widens its 3x3 convolutions instead.
                let dilation = stage == 5 ? res5Dilation : 1
                let stride = stage > 2 && block == 0 && dilation == 1 ? 2 : 1
                x = preActivation
                    ? try preActivationBlock(x, prefix, stride: stride, dilation: dilation, weights)
                    : try residualBlock(x, prefix, stride: stride, dilation: dilation, strideIn1x1: strideIn1x1, weights)
            }
            state.emit(stage: stage, name: "res\(stage)", x)
        }
        if weights.has(Self.postActivationNorm + ".weight") {
            var final = try weights.copy(x)
            try weights.normalize(&final, Self.postActivationNorm)
            try weights.relu(&final)
            state.emit("res5.postact", final)
            state.classifierInput = final
        }
    }

    /// res4 as TridentNet runs it: the first block once, then the others once per branch with that branch's
    /// dilation and the same weights; each branch's output is `res4.branchI`, and the parts after the
    /// backbone run once per branch.
    private func runTrident(
        _ state: inout ForwardState, _ x: inout FeatureMap, blocks: Int, dilations: [Int], _ weights: NetworkWeights
    ) throws(WeightKitError) {
        let strideIn1x1 = weights.collection.semantics.strideIn != .threeByThree
        func block(_ y: FeatureMap, _ number: Int, stride: Int, dilation: Int) throws(WeightKitError) -> FeatureMap {
            let prefix = Self.block(stage: 4, block: number)
            return preActivation
                ? try preActivationBlock(y, prefix, stride: stride, dilation: dilation, weights)
                : try residualBlock(y, prefix, stride: stride, dilation: dilation, strideIn1x1: strideIn1x1, weights)
        }
        let shared = try block(x, 0, stride: 2, dilation: 1)
        var branches: [FeatureMap] = []
        for (number, dilation) in dilations.enumerated() {
            var y = shared
            for index in 1..<blocks { y = try block(y, index, stride: 1, dilation: dilation) }
            state.emit("res4.branch\(number)", y)
            branches.append(y)
        }
        state.stages[4] = branches.first
        state.branches = branches
        x = branches.first ?? shared
    }

    /// A v1 bottleneck (stride in the 1x1 or the 3x3) or basic block, with its shortcut, then ReLU.
    func residualBlock(
        _ x: FeatureMap, _ prefix: String, stride: Int, dilation: Int = 1, strideIn1x1: Bool, _ weights: NetworkWeights
    ) throws(WeightKitError) -> FeatureMap {
        var y: FeatureMap
        if bottleneck {
            y = try weights.convolutionWithNorm(x, prefix + "conv1", stride: strideIn1x1 ? stride : 1)
            y = try weights.convolutionWithNorm(y, prefix + "conv2", stride: strideIn1x1 ? 1 : stride, dilation: dilation)
            y = try weights.convolutionWithNorm(y, prefix + "conv3", relu: false)
        } else {
            y = try weights.convolutionWithNorm(x, prefix + "conv1", stride: stride)
            y = try weights.convolutionWithNorm(y, prefix + "conv2", relu: false)
        }
        let shortcut = weights.has(prefix + "shortcut.weight")
            ? try weights.convolutionWithNorm(x, prefix + "shortcut", stride: stride, relu: false) : x
        try weights.add(&y, shortcut)
        try weights.relu(&y)
        return y
    }

    /// A pre-activation (v2) bottleneck: norm-ReLU, then conv1, norm-ReLU, conv2 (with the stride), norm-ReLU,
    /// conv3, plus the input or a projection of the first activation.
    func preActivationBlock(
        _ x: FeatureMap, _ prefix: String, stride: Int, dilation: Int = 1, _ weights: NetworkWeights
    ) throws(WeightKitError) -> FeatureMap {
        var activated = try weights.copy(x)
        try weights.normalize(&activated, prefix + "preact.norm")
        try weights.relu(&activated)
        var y = try weights.convolutionWithNorm(activated, prefix + "conv1")
        y = try weights.convolutionWithNorm(y, prefix + "conv2", stride: stride, dilation: dilation)
        y = try weights.convolution(y, weight: prefix + "conv3.weight", bias: prefix + "conv3.bias")
        let shortcut = weights.has(prefix + "shortcut.weight")
            ? try weights.convolution(activated, weight: prefix + "shortcut.weight", stride: stride) : x
        try weights.add(&y, shortcut)
        return y
    }
}
