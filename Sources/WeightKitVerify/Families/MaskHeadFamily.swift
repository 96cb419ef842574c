import WeightKitCore

/// The mask head on given proposals pooled at 14 x 14: 3x3 convolutions + ReLU (with norms where the file
/// has them), a 2x2 stride-2 transposed convolution + ReLU and the 1x1 predictor. Outputs `mask.logits`
/// (R x classes x 28 x 28).
package struct MaskHeadFamily: MarkedHead {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.mask_head."
    package static let marker = head + "predictor.weight"
    package static let name = "mask"
    static let poolSize = 14

    package static let ranks = [head + "predictor.weight": 4, head + "deconv.weight": 4]

    package init() {}

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> MaskHeadFamily? {
        try checkRanks(tensors)
        let other = C4HeadFamily.isPresent(in: tensors) || FBNetHeadFamily.isPresent(in: tensors)
        return tensors[marker] != nil && !other ? MaskHeadFamily() : nil
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        try state.emitPerBox(["mask.logits"], pooledBy: state.pyramidPooler, size: Self.poolSize) { (pooled) throws(WeightKitError) in
            var y = try weights.numberedConvolutions(pooled, head + "mask_fcn")
            y = try weights.transposedConvolution(y, head + "deconv", stride: 2, padding: 0)
            try weights.relu(&y)
            return [try weights.convolution(y, weight: head + "predictor.weight", bias: head + "predictor.bias")]
        }
    }
}
