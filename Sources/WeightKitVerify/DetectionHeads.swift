import WeightKitCore
import WeightKitLayouts

/// The RPN head on every pyramid level, as torchvision and detectron2 run it: one 3x3 convolution + ReLU
/// (torchvision's v2 head: two, `conv.conv0`, `conv.conv1`), then 1x1 convolutions for each anchor's
/// objectness logit and its four box deltas. Outputs `rpn.objectness.pN` (A channels) and
/// `rpn.deltas.pN` (4A channels, anchor by anchor).
package struct RPNForward {
    let weights: NetworkWeights
    let head = CanonicalName.rpnHead

    func run(_ pyramid: [(String, FeatureMap)]) throws(WeightKitError) -> [(String, FeatureMap)] {
        guard weights.has(head + "objectness_logits.weight") else { return [] }
        var convolutions = weights.has(head + "conv.weight") ? [head + "conv"] : []
        var index = 0
        while weights.has(head + "conv.conv\(index).weight") {
            convolutions.append(head + "conv.conv\(index)")
            index += 1
        }
        var outputs: [(String, FeatureMap)] = []
        for (name, feature) in pyramid {
            var hidden = feature
            for convolution in convolutions {
                hidden = try weights.convolution(hidden, weight: convolution + ".weight", bias: convolution + ".bias")
                Operations.relu(&hidden)
            }
            outputs.append(("rpn.objectness.\(name)", try weights.convolution(
                hidden, weight: head + "objectness_logits.weight", bias: head + "objectness_logits.bias")))
            outputs.append(("rpn.deltas.\(name)", try weights.convolution(
                hidden, weight: head + "anchor_deltas.weight", bias: head + "anchor_deltas.bias")))
        }
        return outputs
    }
}

/// The RetinaNet head on every pyramid level (detectron2's names): classification and box subnets of 3x3
/// convolutions + ReLU (torchvision's v2: GroupNorm(32) after each, at the next index), then `cls_score`
/// and `bbox_pred`. Outputs `retina.cls.pN` and `retina.deltas.pN`.
package struct RetinaNetForward {
    let weights: NetworkWeights

    /// The subnet's convolution indices in order: every index holding a 4-d weight.
    private func convolutions(_ subnet: String) throws(WeightKitError) -> [Int] {
        let prefix = "head.\(subnet)."
        var indices: [Int] = []
        for name in weights.collection.names where name.hasPrefix(prefix) && name.hasSuffix(".weight") {
            let middle = name.dropFirst(prefix.count).dropLast(".weight".count)
            // Indices past a few dozen are no RetinaNet subnet; a file can say anything.
            guard let index = Int(middle), (0..<256).contains(index), try weights.shape(name).count == 4 else { continue }
            indices.append(index)
        }
        return indices.sorted()
    }

    private func subnet(_ x: FeatureMap, _ subnet: String, _ indices: [Int]) throws(WeightKitError) -> FeatureMap {
        var y = x
        for index in indices {
            let convolution = "head.\(subnet).\(index)"
            y = try weights.convolution(y, weight: convolution + ".weight", bias: convolution + ".bias")
            let norm = "head.\(subnet).\(index + 1)"
            if weights.has(norm + ".weight"), try weights.shape(norm + ".weight").count == 1 {
                Operations.groupNorm(&y, groups: FCOSForward.groups(y.channels),
                                     weight: try weights.vector(norm + ".weight", count: y.channels),
                                     bias: try weights.vector(norm + ".bias", count: y.channels), eps: 1e-5)
            }
            Operations.relu(&y)
        }
        return y
    }

    func run(_ pyramid: [(String, FeatureMap)]) throws(WeightKitError) -> [(String, FeatureMap)] {
        guard weights.has("head.cls_score.weight"), weights.has("head.bbox_pred.weight") else { return [] }
        let classification = try convolutions("cls_subnet"), box = try convolutions("bbox_subnet")
        var outputs: [(String, FeatureMap)] = []
        for (name, feature) in pyramid {
            outputs.append(("retina.cls.\(name)", try weights.convolution(
                try subnet(feature, "cls_subnet", classification), weight: "head.cls_score.weight", bias: "head.cls_score.bias")))
            outputs.append(("retina.deltas.\(name)", try weights.convolution(
                try subnet(feature, "bbox_subnet", box), weight: "head.bbox_pred.weight", bias: "head.bbox_pred.bias")))
        }
        return outputs
    }
}
