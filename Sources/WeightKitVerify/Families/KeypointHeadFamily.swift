import WeightKitCore

/// The keypoint head on given proposals pooled at 14 x 14: 3x3 convolutions + ReLU, a 4x4 stride-2
/// transposed convolution and bilinear x2 upsampling. Outputs `keypoint.logits` (R x keypoints x 56 x 56).
package struct KeypointHeadFamily: MarkedHead {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.keypoint_head."
    package static let marker = head + "score_lowres.weight"
    package static let name = "keypoint"
    static let poolSize = 14
    package static let ranks = [marker: 4]

    package init() {}

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        try state.emitPerBox(["keypoint.logits"], pooledBy: state.pyramidPooler, size: Self.poolSize) { (pooled) throws(WeightKitError) in
            let y = try weights.transposedConvolution(try weights.numberedConvolutions(pooled, head + "conv_fcn"),
                                                      head + "score_lowres", stride: 2, padding: 1)
            return [try weights.upsampleBilinear(y, factor: 2)]
        }
    }
}
