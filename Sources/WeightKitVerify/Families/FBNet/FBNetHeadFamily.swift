import WeightKitCore

/// maskrcnn-benchmark's FBNet ROI heads (`FBNet.roi_head`, `FBNet.roi_head_mask`): each given box pooled
/// 6 x 6 from the trunk (stride 16, adaptive sampling, the zoo configs' `POOLER_RESOLUTION`), run through
/// the head's FBNet blocks and its optional 1x1 `last` layer (convolution, norm, ReLU); the box head's
/// features are averaged for the predictor, the mask head's go to its 1x1 predictor. Outputs
/// `box.features`, `box.cls_score`, `box.bbox_pred` and `mask.logits`.
package struct FBNetHeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    static let poolSize = 6
    static let boxLast = BoxHeadFamily.head + "last"
    static let maskLast = MaskHeadFamily.head + "last"

    let box: [FBNetBlock]
    let mask: [FBNetBlock]

    /// Whether the tensors hold FBNet ROI head blocks, which the other box and mask heads then leave to it.
    static func isPresent(in tensors: TensorCollection) -> Bool {
        tensors.tensors.contains { $0.name.hasPrefix(FBNetFamily.boxBlocks) || $0.name.hasPrefix(FBNetFamily.maskBlocks) }
    }

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> FBNetHeadFamily? {
        guard let trunk = parts.lazy.compactMap({ $0 as? FBNetFamily }).first, !trunk.box.isEmpty || !trunk.mask.isEmpty else { return nil }
        try tensors.requireRank(BoxHeadFamily.predictor + "cls_score.weight", 2)
        try tensors.requireRank(MaskHeadFamily.head + "predictor.weight", 4)
        return FBNetHeadFamily(box: trunk.box, mask: trunk.mask)
    }

    package func describe(_ description: inout NetworkDescription) {
        if !box.isEmpty { description.heads.append("box (FBNet)") }
        if !mask.isEmpty { description.heads.append("mask (FBNet)") }
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        guard let trunk = state.stages[4] else {
            throw WeightKitError(.malformed, "the FBNet ROI heads need the trunk's stride-16 output, which this network lacks")
        }
        let weights = state.weights
        let pooler = RoIPooler(weights: weights, pyramid: [("p4", trunk)], samplingRatio: 0)
        if !box.isEmpty {
            try state.emitPerBox(["box.features", "box.cls_score", "box.bbox_pred"], pooledBy: pooler, size: Self.poolSize) {
                (pooled) throws(WeightKitError) in
                let vector = try weights.globalAveragePool(try Self.features(pooled, box, last: Self.boxLast, weights))
                return [vector] + (try BoxHeadFamily.predict(vector, weights))
            }
        }
        if !mask.isEmpty {
            try state.emitPerBox(["mask.logits"], pooledBy: pooler, size: Self.poolSize) { (pooled) throws(WeightKitError) in
                let features = try Self.features(pooled, mask, last: Self.maskLast, weights)
                let predictor = MaskHeadFamily.head + "predictor"
                return [try weights.convolution(features, weight: predictor + ".weight", bias: predictor + ".bias")]
            }
        }
    }

    /// A head's blocks and `last` layer on one pooled box.
    private static func features(_ pooled: FeatureMap, _ blocks: [FBNetBlock], last: String, _ weights: NetworkWeights)
        throws(WeightKitError) -> FeatureMap
    {
        let y = try FBNetBlock.run(blocks, pooled, weights)
        return weights.has(last + ".weight") ? try weights.convolutionWithNorm(y, last) : y
    }
}
