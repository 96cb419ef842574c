import WeightKitCore

/// The Fast R-CNN box head on given proposals: each box pooled (ROIAlign, 7x7) from the pyramid level its
/// size picks, with the semantics of the file's source framework (`weightkit.roi_align`), then the head
/// (torchvision/detectron2 2fc, or v2's 4conv+norm then fc) and the predictor. Outputs `box.cls_score`
/// (R x classes, background last as detectron2 orders them) and `box.bbox_pred`, laid out as (R, K)
/// arrays.
package struct BoxHeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.box_head."
    package static let predictor = "roi_heads.box_predictor."
    static let poolSize = 7

    /// The fully connected layers `fc1`, `fc2`, ... in order.
    let fullyConnected: Int

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> BoxHeadFamily? {
        guard tensors[predictor + "cls_score.weight"] != nil else { return nil }
        var count = 0
        while tensors[head + "fc\(count + 1).weight"] != nil { count += 1 }
        return BoxHeadFamily(fullyConnected: count)
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("box")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, fullyConnected = fullyConnected
        try state.emitPerBox(["box.cls_score", "box.bbox_pred"], pooledBy: state.pyramidPooler, size: Self.poolSize) {
            (pooled) throws(WeightKitError) in
            var features = try weights.numberedConvolutions(pooled, Self.head + "conv").values
            for index in 0..<fullyConnected {
                features = try weights.linear(features, Self.head + "fc\(index + 1)").map { max($0, 0) }
            }
            return try Self.predict(features, weights)
        }
    }

    /// The predictor's class scores and box deltas for one box's features, each as a 1 x K x 1 map.
    static func predict(_ features: [Float], _ weights: NetworkWeights) throws(WeightKitError) -> [FeatureMap] {
        let score = try weights.linear(features, predictor + "cls_score")
        let delta = try weights.linear(features, predictor + "bbox_pred")
        return [FeatureMap(channels: 1, height: score.count, width: 1, values: score),
                FeatureMap(channels: 1, height: delta.count, width: 1, values: delta)]
    }
}
