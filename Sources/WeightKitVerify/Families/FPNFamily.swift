import WeightKitCore
import WeightKitLayouts

/// detectron2's FPN: lateral 1x1 and output 3x3 convolutions on backbone stages (each with its norm where it
/// has one), nearest top-down upsampling, and a top block: P6/P7 convolutions (FCOS, RetinaNet; on P5 or on
/// the last stage, by the P6 weight's input width) or P6 as a stride-2 subsample of P5 for an RPN.
package struct FPNFamily: NetworkFamily {
    package static let role = NetworkRole.neck

    package static func lateral(_ level: Int) -> String { CanonicalName.neck + "fpn_lateral\(level)" }
    package static func output(_ level: Int) -> String { CanonicalName.neck + "fpn_output\(level)" }
    /// The extra pyramid levels' convolutions (`p6`, `p7`).
    package static func topBlock(_ level: Int) -> String { CanonicalName.neck + "top_block.p\(level)" }

    /// Levels with lateral convolutions (2...5).
    let levels: [Int]
    /// Extra levels with their own convolutions (6, 7).
    let extraLevels: [Int]
    /// P6 as a max-pooled P5, which detectron2 adds for the RPN when there is no P6 convolution.
    let pooledP6: Bool

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> FPNFamily? {
        let levels = (2...5).filter { tensors[lateral($0) + ".weight"] != nil }
        guard !levels.isEmpty else { return nil }
        for level in 2...7 {
            for name in [lateral(level), output(level), topBlock(level)] { try tensors.requireRank(name + ".weight", 4) }
        }
        let extra = [6, 7].filter { tensors[topBlock($0) + ".weight"] != nil }
        return FPNFamily(levels: levels, extraLevels: extra, pooledP6: extra.isEmpty && RPNFamily.isPresent(in: tensors))
    }

    package func describe(_ description: inout NetworkDescription) {
        description.neck = "fpn(" + (levels + extraLevels).map { "p\($0)" }.joined(separator: ",") + ")"
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights
        var results: [Int: FeatureMap] = [:]
        var previous: FeatureMap?
        for level in levels.reversed() {
            guard let feature = state.stages[level] else {
                throw WeightKitError(.malformed, "FPN level \(level) has no backbone stage to read")
            }
            var lateral = try weights.convolution(feature, weight: Self.lateral(level) + ".weight", bias: Self.lateral(level) + ".bias")
            try weights.normalize(&lateral, Self.lateral(level) + ".norm")
            if let previous {
                try weights.add(&lateral, try weights.upsampleNearest(previous, toSizeOf: lateral))
            }
            previous = lateral
            var output = try weights.convolution(lateral, weight: Self.output(level) + ".weight", bias: Self.output(level) + ".bias")
            try weights.normalize(&output, Self.output(level) + ".norm")
            results[level] = output
        }
        for level in levels {
            guard let map = results[level] else { continue }
            state.pyramid.append(("p\(level)", map))
        }
        try addTopLevels(&state, results)
        for (name, map) in state.pyramid { state.emit(name, map) }
    }

    private func addTopLevels(_ state: inout ForwardState, _ results: [Int: FeatureMap]) throws(WeightKitError) {
        let weights = state.weights
        guard let top = levels.last, let topOutput = results[top], let topFeature = state.stages[top] else { return }
        if extraLevels.contains(6) {
            let p6Name = Self.topBlock(6)
            let p6Input = try weights.shape(p6Name + ".weight", rank: 4)[1] == topOutput.channels ? topOutput : topFeature
            let p6 = try weights.convolution(p6Input, weight: p6Name + ".weight", bias: p6Name + ".bias", stride: 2)
            state.pyramid.append(("p6", p6))
            if extraLevels.contains(7) {
                var activated = try weights.copy(p6)
                try weights.relu(&activated)
                let p7Name = Self.topBlock(7)
                state.pyramid.append(("p7", try weights.convolution(activated, weight: p7Name + ".weight", bias: p7Name + ".bias", stride: 2)))
            }
        } else if pooledP6 {
            state.pyramid.append(("p6", try weights.maxPool(topOutput, kernel: 1, stride: 2, padding: 0, ceilMode: false)))
        }
    }
}
