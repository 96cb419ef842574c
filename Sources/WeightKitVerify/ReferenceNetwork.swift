import WeightKitCore

/// A network rebuilt from canonical weights, run on one image: the reference forward pass. Its parts are the
/// ones `RecognizedNetwork` found, run in order.
public struct ReferenceNetwork {
    let weights: NetworkWeights
    /// The parts recognised from the weights' names and shapes, run in this order.
    public let network: RecognizedNetwork

    /// Recognises the network from canonical names; the weights' float32 copies and every map the pass makes
    /// are reserved from `memory` before they are allocated.
    ///
    /// - Throws: `WeightKitError` when the names hold no backbone WeightKit runs, or the weights do not fit
    ///   in `memory`.
    /// - Parameters:
    ///   - collection: the weights under canonical names.
    ///   - memory: what the pass may hold.
    ///   - precision: how layers round their sums (`reference` unless estimating float32 noise).
    ///   - perturbation: moves every weight by up to this fraction of itself (measuring storage rounding).
    public init(
        _ collection: TensorCollection, memory: ForwardMemory = ForwardMemory(), precision: ForwardPrecision = .reference,
        perturbation: WeightPerturbation? = nil
    ) throws(WeightKitError) {
        let network = try RecognizedNetwork(collection)
        guard network.hasBackbone else {
            throw WeightKitError(
                .unsupported, "no backbone WeightKit runs (ResNet, VoVNet, FBNet of a known architecture) under canonical names (convert with canonical names first)")
        }
        self.network = network
        weights = try NetworkWeights(collection, memory: memory, precision: precision, perturbation: perturbation)
    }

    /// Every named output, in network order: `stem`, `res2`..`res5` or `stage2`..`stage5`, `p2`..`p7`, the
    /// heads' per-level outputs (`fcos_*.pN`, `rpn.objectness.pN`, `rpn.deltas.pN`, `retina.cls.pN`,
    /// `retina.deltas.pN`), the ROI heads' per-box outputs on `boxes`, `logits`.
    ///
    /// - Parameters:
    ///   - input: the image, as the network's first layer receives it.
    ///   - boxes: proposals for the ROI heads, in input pixels; none skips them.
    /// - Throws: `WeightKitError` when a tensor does not fit the network or a map exceeds the memory plan.
    ///
    /// - Returns: each output's name and map, in network order.
    public func run(_ input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [(name: String, value: FeatureMap)] {
        var state = ForwardState(weights: weights, input: input, boxes: boxes)
        try state.run(network.parts)
        return state.outputs
    }
}
