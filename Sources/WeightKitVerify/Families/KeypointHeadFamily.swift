import WeightKitCore

/// The keypoint head on given proposals pooled at 14 x 14: 3x3 convolutions + ReLU, a 4x4 stride-2
/// transposed convolution and bilinear x2 upsampling. Outputs `keypoint.logits` (R x keypoints x 56 x 56).
package struct KeypointHeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.keypoint_head."
    static let poolSize = 14

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> KeypointHeadFamily? {
        tensors[head + "score_lowres.weight"] != nil ? KeypointHeadFamily() : nil
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("keypoint")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        guard !state.boxes.isEmpty, let pooler = RoIPooler(weights: weights, pyramid: state.pyramid) else { return }
        var logits = PerBoxOutput("keypoint.logits", boxes: state.boxes.count)
        for box in state.boxes {
            let y = try weights.transposedConvolution(
                try weights.numberedConvolutions(try pooler.pool(box, size: Self.poolSize), head + "conv_fcn"),
                head + "score_lowres", stride: 2, padding: 1)
            try logits.append(try weights.memory.tracked(channels: y.channels, height: y.height * 2, width: y.width * 2,
                                                         for: "upsampling keypoints") {
                Operations.upsampleBilinear(y, factor: 2)
            }, memory: weights.memory)
        }
        state.emit(logits.output.0, logits.output.1)
    }
}
