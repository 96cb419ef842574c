import WeightKitCore
import WeightKitLayouts

/// mmdetection's Feature Pyramid Grids (`necks/fpg.py`): lateral 1x1 convolutions (with bias, no norm) from
/// the first backbone stage whose width they read, extra levels (stride-2 3x3 convolutions, or a stride-2
/// subsample), then stacks of transitions per level, each `norm(conv(relu(x)))`: `same_up` (3x3 stride 2
/// from this stack's level below), `across_lateral` (1x1, this level of the stack before),
/// `across_down` (3x3 after nearest 2x upsampling of the level above) and `across_skip` (1x1, the lateral
/// features), summed in that order; a level a stack skips passes through. Each level ends in
/// `relu` and a 3x3 convolution with bias.
package struct FPGFamily: NetworkFamily {
    package static let role = NetworkRole.neck
    static let prefix = CanonicalName.neck + "fpg."

    static func lateral(_ level: Int) -> String { prefix + "lateral.\(level)" }
    static func extra(_ index: Int) -> String { prefix + "extra.\(index)" }
    static func transition(stack: Int, level: Int) -> String { prefix + "stack.\(stack).\(level)." }
    static func output(_ level: Int) -> String { prefix + "output.\(level)" }

    let laterals: Int
    let levels: Int
    let stacks: Int

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> FPGFamily? {
        guard tensors[lateral(0) + ".weight"] != nil else { return nil }
        var laterals = 0, levels = 0, stacks = 0
        while tensors[lateral(laterals) + ".weight"] != nil { laterals += 1 }
        while tensors[output(levels) + ".weight"] != nil { levels += 1 }
        while (0..<levels).contains(where: { tensors[transition(stack: stacks, level: $0) + "across_lateral.weight"] != nil }) {
            stacks += 1
        }
        return FPGFamily(laterals: laterals, levels: levels, stacks: stacks)
    }

    package func describe(_ description: inout NetworkDescription) {
        description.neck = "fpg(\(levels) levels, \(stacks) stacks)"
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let (start, features) = try lateralFeatures(state)
        var current = features
        for stack in 0..<stacks {
            var next: [FeatureMap] = []
            for level in 0..<levels {
                next.append(try transition(stack: stack, level: level, current: current, next: next, features: features,
                                           state.weights))
            }
            current = next
        }
        for (level, map) in current.enumerated() {
            var activated = try state.weights.copy(map)
            try state.weights.relu(&activated)
            let name = Self.output(level)
            let output = try state.weights.convolution(activated, weight: name + ".weight", bias: name + ".bias")
            state.pyramid.append(("p\(start + level)", output))
        }
        for (name, map) in state.pyramid { state.emit(name, map) }
    }

    /// The laterals on the stages from the one the first lateral reads, then the extra levels; and the
    /// pyramid level of the first.
    private func lateralFeatures(_ state: ForwardState) throws(WeightKitError) -> (Int, [FeatureMap]) {
        let weights = state.weights
        let width = try weights.shape(Self.lateral(0) + ".weight", rank: 4)[1]
        guard let start = state.stages.keys.sorted().first(where: { state.stages[$0]?.channels == width }) else {
            throw WeightKitError(.malformed, "no backbone stage has the \(width) channels the FPG's first lateral reads")
        }
        var features: [FeatureMap] = []
        for index in 0..<laterals {
            guard let stage = state.stages[start + index] else {
                throw WeightKitError(.malformed, "FPG lateral \(index) has no backbone stage to read")
            }
            let name = Self.lateral(index)
            features.append(try weights.convolution(stage, weight: name + ".weight", bias: name + ".bias"))
        }
        var extra = 0
        while features.count < levels, let last = features.last {
            let name = Self.extra(extra)
            features.append(weights.has(name + ".weight")
                ? try weights.convolution(last, weight: name + ".weight", bias: name + ".bias", stride: 2)
                : try weights.maxPool(last, kernel: 1, stride: 2, padding: 0, ceilMode: false))
            extra += 1
        }
        return (start, features)
    }

    /// One level of one stack: the sum of the transitions it has, or the level passed through.
    private func transition(
        stack: Int, level: Int, current: [FeatureMap], next: [FeatureMap], features: [FeatureMap], _ weights: NetworkWeights
    ) throws(WeightKitError) -> FeatureMap {
        let prefix = Self.transition(stack: stack, level: level)
        guard weights.has(prefix + "across_lateral.weight") else { return current[level] }
        let lateral = try Self.activatedConvolution(current[level], prefix + "across_lateral", weights)
        var sum = lateral
        if level > 0, weights.has(prefix + "same_up.weight") {
            sum = try Self.activatedConvolution(next[level - 1], prefix + "same_up", stride: 2, weights)
            try weights.add(&sum, lateral)
        }
        if level + 1 < current.count, weights.has(prefix + "across_down.weight") {
            let above = current[level + 1]
            let upsampled = try weights.upsampleNearest(above, factor: 2)
            try weights.add(&sum, try Self.activatedConvolution(upsampled, prefix + "across_down", weights))
        }
        if weights.has(prefix + "across_skip.weight") {
            try weights.add(&sum, try Self.activatedConvolution(features[level], prefix + "across_skip", weights))
        }
        return sum
    }

    /// mmcv's ConvModule in the order act, conv, norm: `norm(conv(relu(x)))`.
    private static func activatedConvolution(
        _ x: FeatureMap, _ name: String, stride: Int = 1, _ weights: NetworkWeights
    ) throws(WeightKitError) -> FeatureMap {
        var activated = try weights.copy(x)
        try weights.relu(&activated)
        return try weights.convolutionWithNorm(activated, name, stride: stride, relu: false)
    }
}
