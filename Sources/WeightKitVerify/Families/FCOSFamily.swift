import WeightKitCore

/// AdelaiDet's FCOS head on every pyramid level: classification and box towers of conv3x3 + GroupNorm(32) +
/// ReLU, then class logits, centerness (on the box tower, or the class tower where `weightkit.centerness_on`
/// says so) and box regression relu(scale * pred).
package struct FCOSFamily: MarkedHead {
    package static let role = NetworkRole.denseHead
    package static let head = "proposal_generator.fcos_head."
    package static let marker = head + "cls_logits.weight"
    package static let name = "fcos"

    package init() {}

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        let centernessOnClasses = weights.collection.semantics.centernessOn == .classification
        for (level, (name, feature)) in state.pyramid.enumerated() {
            let classes = try tower(feature, "cls_tower", weights)
            let boxes = try tower(feature, "bbox_tower", weights)
            state.emit("fcos_cls_logits.\(name)", try weights.convolution(
                classes, weight: head + "cls_logits.weight", bias: head + "cls_logits.bias"))
            state.emit("fcos_ctrness.\(name)", try weights.convolution(
                centernessOnClasses ? classes : boxes, weight: head + "ctrness.weight", bias: head + "ctrness.bias"))
            var regression = try weights.convolution(boxes, weight: head + "bbox_pred.weight", bias: head + "bbox_pred.bias")
            if weights.has(head + "scales.\(level).scale") {
                try weights.scale(&regression, by: head + "scales.\(level).scale")
            }
            try weights.relu(&regression)
            state.emit("fcos_bbox_pred.\(name)", regression)
        }
    }

    /// conv, GroupNorm, ReLU at indices 0, 1, 2; 3, 4, 5; ... while the convolutions exist.
    private func tower(_ x: FeatureMap, _ name: String, _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var y = x
        var index = 0
        while weights.has(Self.head + "\(name).\(index).weight") {
            let convolution = Self.head + "\(name).\(index)"
            y = try weights.convolution(y, weight: convolution + ".weight", bias: convolution + ".bias")
            try weights.groupNormIfPresent(&y, Self.head + "\(name).\(index + 1)")
            try weights.relu(&y)
            index += 3
        }
        return y
    }
}
