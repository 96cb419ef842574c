import WeightKitCore

/// The RPN head on every pyramid level (a C4 detector's: on res4), as torchvision and detectron2 run it: one 3x3 convolution + ReLU
/// (torchvision's v2 head: two, `conv.conv0`, `conv.conv1`), then 1x1 convolutions for each anchor's
/// objectness logit and its four box deltas. maskrcnn-benchmark's FBNet head runs its FBNet blocks instead
/// of the hidden convolution. Outputs `rpn.objectness.pN` (A channels) and
/// `rpn.deltas.pN` (4A channels, anchor by anchor).
package struct RPNFamily: NetworkFamily {
    package static let role = NetworkRole.denseHead
    package static let head = "proposal_generator.rpn_head."

    /// The hidden convolutions, in order.
    let convolutions: [String]
    /// FBNet's RPN head blocks, run before them.
    let blocks: [FBNetBlock]

    /// Whether the tensors hold an RPN's hidden convolution (the FPN adds a pooled P6 for it).
    static func isPresent(in tensors: TensorCollection) -> Bool {
        tensors[head + "conv.weight"] != nil || tensors[head + "conv.conv0.weight"] != nil
    }

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> RPNFamily? {
        guard tensors[head + "objectness_logits.weight"] != nil else { return nil }
        for layer in ["objectness_logits", "anchor_deltas", "conv"] { try tensors.requireRank(head + layer + ".weight", 4) }
        var convolutions = tensors[head + "conv.weight"] != nil ? [head + "conv"] : []
        var index = 0
        while tensors[head + "conv.conv\(index).weight"] != nil {
            convolutions.append(head + "conv.conv\(index)")
            index += 1
        }
        let fbnet = parts.lazy.compactMap { $0 as? FBNetFamily }.first
        return RPNFamily(convolutions: convolutions, blocks: fbnet?.rpn ?? [])
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("rpn")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        for (name, feature) in state.denseInputs {
            var hidden = try FBNetBlock.run(blocks, feature, weights)
            for convolution in convolutions {
                hidden = try weights.convolution(hidden, weight: convolution + ".weight", bias: convolution + ".bias")
                try weights.relu(&hidden)
            }
            state.emit("rpn.objectness.\(name)", try weights.convolution(
                hidden, weight: head + "objectness_logits.weight", bias: head + "objectness_logits.bias"))
            state.emit("rpn.deltas.\(name)", try weights.convolution(
                hidden, weight: head + "anchor_deltas.weight", bias: head + "anchor_deltas.bias"))
        }
    }
}
