import WeightKitCore

/// The Fast R-CNN box head on given proposals: each box pooled (ROIAlign, 7x7) from the pyramid level its
/// size picks, with the semantics of the file's source framework (`weightkit.roi_align`), then the head
/// (torchvision/detectron2 2fc, or v2's 4conv+norm then fc) and the predictor. Outputs `box.cls_score`
/// (R x classes, background last as detectron2 orders them), `box.bbox_pred` and `box.features` (what the
/// head gives the predictor), laid out as (R, K) arrays. A cascade (detectron2's `box_head.N`,
/// `box_predictor.N`) runs every stage on the same given boxes: `box.stageN.cls_score`, `box.stageN.bbox_pred`,
/// `box.stageN.features`.
package struct BoxHeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.box_head."
    package static let predictor = "roi_heads.box_predictor."
    static let poolSize = 7

    /// One head and predictor: the name infix of its tensors (`""`, or `"0."` for a cascade stage), the
    /// prefix of its outputs and its fully connected layers `fc1`, `fc2`, ... in order.
    struct Stage: Sendable {
        let infix: String
        let output: String
        let fullyConnected: Int
    }

    let stages: [Stage]

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> BoxHeadFamily? {
        for tensor in tensors.tensors where tensor.name.hasPrefix(predictor) && tensor.name.hasSuffix(".weight") {
            try tensors.requireRank(tensor.name, 2)
        }
        guard !C4HeadFamily.isPresent(in: tensors), !FBNetHeadFamily.isPresent(in: tensors) else { return nil }
        if tensors[predictor + "cls_score.weight"] != nil {
            return BoxHeadFamily(stages: [stage(infix: "", output: "box.", in: tensors)])
        }
        var stages: [Stage] = []
        while tensors[predictor + "\(stages.count).cls_score.weight"] != nil {
            stages.append(stage(infix: "\(stages.count).", output: "box.stage\(stages.count).", in: tensors))
        }
        return stages.isEmpty ? nil : BoxHeadFamily(stages: stages)
    }

    private static func stage(infix: String, output: String, in tensors: TensorCollection) -> Stage {
        var count = 0
        while tensors[head + infix + "fc\(count + 1).weight"] != nil { count += 1 }
        return Stage(infix: infix, output: output, fullyConnected: count)
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append(stages.count > 1 ? "box (cascade, \(stages.count) stages)" : "box")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, stages = stages
        let outputs = stages.flatMap { [$0.output + "cls_score", $0.output + "bbox_pred", $0.output + "features"] }
        try state.emitPerBox(outputs, pooledBy: state.pyramidPooler, size: Self.poolSize) {
            (pooled) throws(WeightKitError) in
            var maps: [FeatureMap] = []
            for stage in stages {
                let features = try Self.features(pooled, stage, weights)
                maps += try Self.predict(features, weights, infix: stage.infix) + [features]
            }
            return maps
        }
    }

    /// What one stage's head gives its predictor for one pooled box.
    private static func features(_ pooled: FeatureMap, _ stage: Stage, _ weights: NetworkWeights)
        throws(WeightKitError) -> FeatureMap
    {
        var features = try weights.numberedConvolutions(pooled, head + stage.infix + "conv")
        for index in 0..<stage.fullyConnected {
            features = try weights.linear(features, head + stage.infix + "fc\(index + 1)")
            try weights.relu(&features)
        }
        return features
    }

    /// The predictor's class scores and box deltas for one box's features, each as a K x 1 x 1 map.
    static func predict(_ features: FeatureMap, _ weights: NetworkWeights, infix: String = "") throws(WeightKitError)
        -> [FeatureMap]
    {
        [try weights.linear(features, predictor + infix + "cls_score"), try weights.linear(features, predictor + infix + "bbox_pred")]
    }
}
