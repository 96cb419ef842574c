import WeightKitCore
import WeightKitLayouts

/// maskrcnn-benchmark's FBNet trunk in WeightKit's names: the stem `backbone.bottom_up.first` (3x3 stride-2
/// convolution, norm, ReLU), then its IRF blocks `backbone.bottom_up.xif{stage}_{block}` (`FBNetBlock`).
/// Strides and upsampling are not in the weights: the architecture is the one of maskrcnn-benchmark's model
/// definitions (`FBNetArchitecture`) whose stages, block counts and expansions the file's blocks match,
/// and a file that matches none, or several that run differently, is not run. The RPN and ROI heads'
/// blocks (`proposal_generator.rpn_head.blocks.`, `roi_heads.{box,mask}_head.blocks.`) are found here too,
/// with the strides of their stages. Outputs `trunk`, the single map the heads read.
package struct FBNetFamily: NetworkFamily {
    package static let role = NetworkRole.backbone
    package static let first = CanonicalName.bottomUp + "first"
    package static let inputConvolutions = [first + ".weight"]
    static let rpnBlocks = RPNFamily.head + "blocks."
    static let boxBlocks = BoxHeadFamily.head + "blocks."
    static let maskBlocks = MaskHeadFamily.head + "blocks."

    let architecture: FBNetArchitecture
    let trunk: [FBNetBlock]
    let rpn: [FBNetBlock]
    let box: [FBNetBlock]
    let mask: [FBNetBlock]

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> FBNetFamily? {
        guard tensors[first + ".weight"] != nil else { return nil }
        try tensors.requireRank(first + ".weight", 4)
        let found = FBNetBlockNames(tensors)
        let stages = [CanonicalName.bottomUp, rpnBlocks, boxBlocks, maskBlocks].map { found.stages(under: $0) }
        let candidates = FBNetArchitecture.modelDefinitions.filter {
            $0.matches(trunk: stages[0], rpn: stages[1], box: stages[2], mask: stages[3]) && found.expansions(agreeWith: $0, tensors)
        }
        // Architectures that match alike (a trunk without heads) run alike: their trunks are the same.
        guard let architecture = candidates.first,
              candidates.allSatisfy({ $0.runsLike(architecture, stages: stages.flatMap(\.keys)) })
        else { return nil }
        func blocks(_ prefix: String, _ stages: [Int]) throws(WeightKitError) -> [FBNetBlock] {
            var blocks: [FBNetBlock] = []
            for stage in stages.sorted() {
                for block in 0..<architecture.blockCount(stage: stage) {
                    blocks.append(try FBNetBlock(prefix: prefix + "xif\(stage)_\(block).",
                                                 stride: architecture.stride(stage: stage, block: block) ?? 1, in: tensors))
                }
            }
            return blocks
        }
        return FBNetFamily(architecture: architecture, trunk: try blocks(CanonicalName.bottomUp, architecture.trunk),
                           rpn: try blocks(rpnBlocks, Array(stages[1].keys)), box: try blocks(boxBlocks, Array(stages[2].keys)),
                           mask: try blocks(maskBlocks, Array(stages[3].keys)))
    }

    package func describe(_ description: inout NetworkDescription) {
        description.architecture = "fbnet-\(architecture.name)"
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights
        var x = try weights.convolutionWithNorm(state.input, Self.first, stride: 2)
        x = try FBNetBlock.run(trunk, x, weights)
        let stride = trunk.reduce(2) { $0 * max($1.stride, 1) }
        state.emit(stage: stride.trailingZeroBitCount, name: "trunk", x)
    }
}
