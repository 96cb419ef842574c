import WeightKitCore

/// The ROI heads of a C4 detector (detectron2's Res5ROIHeads, maskrcnn-benchmark's
/// ResNet50Conv5ROIFeatureExtractor, SimpleDet's BboxC5 heads): each given box pooled from res4 (stride 16),
/// run through the ResNet's res5 stage `roi_heads.res5` (a pre-activation network's closes with
/// `roi_heads.res5.postact.norm` and ReLU), then averaged for the box predictor; the mask head's
/// transposed convolution and predictor read the same res5 features. Detectron2, maskrcnn-benchmark and
/// Detectron pool 14 x 14 with adaptive sampling and stride the first res5 block; SimpleDet pools 7 x 7
/// (its ROIAlign_v2) and runs res5 at stride 1. Outputs `box.features`, `box.cls_score`, `box.bbox_pred`
/// and `mask.logits`.
package struct C4HeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    package static let res5 = "roi_heads.res5."
    static let postActivationNorm = res5 + "postact.norm"
    static let mask = MaskHeadFamily.head

    let backbone: ResNetFamily
    let blocks: Int
    let hasBox: Bool
    let hasMask: Bool

    /// Whether the tensors hold a C4 res5 head, which the FPN box and mask heads then leave to it.
    static func isPresent(in tensors: TensorCollection) -> Bool {
        tensors[res5 + "0.conv1.weight"] != nil
    }

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> C4HeadFamily? {
        guard isPresent(in: tensors), let backbone = parts.lazy.compactMap({ $0 as? ResNetFamily }).first else { return nil }
        var blocks = 0
        while tensors[res5 + "\(blocks).conv1.weight"] != nil { blocks += 1 }
        return C4HeadFamily(backbone: backbone, blocks: blocks,
                            hasBox: tensors[BoxHeadFamily.predictor + "cls_score.weight"] != nil,
                            hasMask: tensors[mask + "predictor.weight"] != nil)
    }

    package func describe(_ description: inout NetworkDescription) {
        // The backbone ends at res4; with the head's res5 it is the whole ResNet, named as such.
        if description.architecture == nil {
            ResNetFamily(blocks: backbone.blocks + [blocks], bottleneck: backbone.bottleneck, groups: backbone.groups,
                         widthPerGroup: backbone.widthPerGroup, preActivation: backbone.preActivation)
                .describe(&description)
        }
        if hasBox { description.heads.append("box (res5, C4)") }
        if hasMask { description.heads.append("mask (res5, C4)") }
    }

    package func declare(_ structure: inout NetworkStructure) {
        structure.unfoldableNorms[Self.postActivationNorm] = "it follows the last block's sum, not a convolution"
        guard backbone.preActivation else { return }
        for block in 0..<blocks {
            structure.unfoldableNorms[Self.res5 + "\(block).preact.norm"] = "it comes before its convolution (pre-activation)"
        }
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        guard let res4 = state.stages[4] else {
            throw WeightKitError(.malformed, "a C4 head needs the backbone's res4, which this network lacks")
        }
        let weights = state.weights
        let semantics = weights.collection.semantics.roiAlign ?? .detectron2
        let maxPooled = semantics == .simpledet
        let pooler = RoIPooler(weights: weights, pyramid: [("p4", res4)], samplingRatio: maxPooled ? nil : 0)
        var names: [String] = []
        if hasBox { names += ["box.features", "box.cls_score", "box.bbox_pred"] }
        if hasMask { names.append("mask.logits") }
        try state.emitPerBox(names, pooledBy: pooler, size: maxPooled ? 7 : 14) { (pooled) throws(WeightKitError) in
            let features = try res5Features(pooled, firstStride: maxPooled ? 1 : 2, weights)
            var maps: [FeatureMap] = []
            if hasBox {
                let vector = try weights.globalAveragePool(features)
                maps += [vector] + (try BoxHeadFamily.predict(vector, weights))
            }
            if hasMask {
                var y = try weights.transposedConvolution(features, Self.mask + "deconv", stride: 2, padding: 0)
                try weights.relu(&y)
                maps.append(try weights.convolution(y, weight: Self.mask + "predictor.weight", bias: Self.mask + "predictor.bias"))
            }
            return maps
        }
    }

    /// The res5 stage on one pooled box, with a pre-activation network's closing norm and ReLU.
    private func res5Features(_ pooled: FeatureMap, firstStride: Int, _ weights: NetworkWeights) throws(WeightKitError)
        -> FeatureMap
    {
        let strideIn1x1 = weights.collection.semantics.strideIn != .threeByThree
        var x = pooled
        for block in 0..<blocks {
            let prefix = Self.res5 + "\(block).", stride = block == 0 ? firstStride : 1
            x = backbone.preActivation
                ? try backbone.preActivationBlock(x, prefix, stride: stride, weights)
                : try backbone.residualBlock(x, prefix, stride: stride, strideIn1x1: strideIn1x1, weights)
        }
        if weights.has(Self.postActivationNorm + ".weight") {
            try weights.normalize(&x, Self.postActivationNorm, relu: true)
        }
        return x
    }
}
