import WeightKitCore

/// The mask head on given proposals pooled at 14 x 14: 3x3 convolutions + ReLU (with norms where the file
/// has them), a 2x2 stride-2 transposed convolution + ReLU and the 1x1 predictor. Outputs `mask.logits`
/// (R x classes x 28 x 28).
package struct MaskHeadFamily: NetworkFamily {
    package static let role = NetworkRole.roiHead
    package static let head = "roi_heads.mask_head."
    static let poolSize = 14

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> MaskHeadFamily? {
        tensors[head + "predictor.weight"] != nil ? MaskHeadFamily() : nil
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("mask")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        guard !state.boxes.isEmpty, let pooler = RoIPooler(weights: weights, pyramid: state.pyramid) else { return }
        var logits = PerBoxOutput("mask.logits", boxes: state.boxes.count)
        for box in state.boxes {
            var y = try weights.numberedConvolutions(try pooler.pool(box, size: Self.poolSize), head + "mask_fcn")
            y = try weights.transposedConvolution(y, head + "deconv", stride: 2, padding: 0)
            Operations.relu(&y)
            try logits.append(try weights.convolution(y, weight: head + "predictor.weight", bias: head + "predictor.bias"),
                              memory: weights.memory)
        }
        state.emit(logits.output.0, logits.output.1)
    }
}
