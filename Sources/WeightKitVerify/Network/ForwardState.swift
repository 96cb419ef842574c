import WeightKitCore

/// What the forward pass has computed so far, handed from part to part: each part reads the maps of the
/// parts before it (backbone stages, pyramid levels, given boxes) and adds its own named outputs.
package struct ForwardState {
    let weights: NetworkWeights
    let input: FeatureMap
    /// Proposals the ROI heads run on, in input pixels.
    let boxes: [RegionOfInterest]
    /// Every named output, in network order.
    private(set) var outputs: [(name: String, value: FeatureMap)] = []
    /// Each backbone stage's output by its level: stage N has stride 2^N.
    var stages: [Int: FeatureMap] = [:]
    /// Each backbone stage's output name by its level (`res4`, FBNet's `trunk`).
    private var stageNames: [Int: String] = [:]
    /// What a classifier reads when it is not the last stage's output (a pre-activation network's final
    /// norm and ReLU).
    var classifierInput: FeatureMap?
    /// The neck's levels in order (`p2`..`p7`).
    var pyramid: [(name: String, value: FeatureMap)] = []
    /// What the ROI heads pool from when it is not the pyramid (a reduce neck's single stride-16 level).
    var roiFeatures: [(name: String, value: FeatureMap)]?
    /// A trident backbone's res4 per branch: the parts after it run once per branch.
    var branches: [FeatureMap]?

    init(weights: NetworkWeights, input: FeatureMap, boxes: [RegionOfInterest]) {
        self.weights = weights
        self.input = input
        self.boxes = boxes
    }

    mutating func emit(_ name: String, _ map: FeatureMap) {
        outputs.append((name, map))
    }

    /// The state without the outputs emitted so far: a branch's run, whose outputs are renamed.
    var withoutOutputs: ForwardState {
        var copy = self
        copy.outputs = []
        return copy
    }

    /// Emits a backbone stage's output and keeps it for the parts after it.
    mutating func emit(stage level: Int, name: String, _ map: FeatureMap) {
        outputs.append((name, map))
        stages[level] = map
        stageNames[level] = name
    }

    /// What dense heads read: the neck's levels, or without a pyramid the stride-16 stage (a C4 detector's
    /// `res4`; a c4c5 backbone's RPN input; FBNet's `trunk`), else the deepest stage.
    var denseInputs: [(name: String, value: FeatureMap)] {
        if !pyramid.isEmpty { return pyramid }
        if let res4 = stages[4] { return [(stageNames[4] ?? "res4", res4)] }
        guard let (level, map) = stages.max(by: { $0.key < $1.key }) else { return [] }
        return [("res\(level)", map)]
    }

    /// The deepest backbone stage's output.
    var lastStage: FeatureMap? {
        stages.max { $0.key < $1.key }?.value
    }
}
