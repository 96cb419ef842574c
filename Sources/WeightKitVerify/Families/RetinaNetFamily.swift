import WeightKitCore

/// The RetinaNet head on every pyramid level (detectron2's names): classification and box subnets of 3x3
/// convolutions + ReLU (torchvision's v2: GroupNorm(32) after each, at the next index), then `cls_score`
/// and `bbox_pred`. mmdetection's RetinaSepBNHead keeps a subnet per level (`head.levelI.cls_subnet.N`,
/// each convolution followed by its level's BatchNorm). Outputs `retina.cls.pN` and `retina.deltas.pN`.
package struct RetinaNetFamily: NetworkFamily {
    package static let role = NetworkRole.denseHead
    package static let head = "head."

    /// Each subnet's convolution indices in order.
    let classification: [Int]
    let box: [Int]
    /// Whether each pyramid level has its own subnets (`head.levelI.`).
    let perLevel: Bool

    static func levelPrefix(_ level: Int) -> String { head + "level\(level)." }

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> RetinaNetFamily? {
        guard tensors[head + "cls_score.weight"] != nil, tensors[head + "bbox_pred.weight"] != nil else { return nil }
        for layer in ["cls_score", "bbox_pred"] { try tensors.requireRank(head + layer + ".weight", 4) }
        let perLevel = tensors.tensors.contains { $0.name.hasPrefix(levelPrefix(0)) }
        let prefix = perLevel ? levelPrefix(0) : head
        return RetinaNetFamily(classification: convolutions(prefix + "cls_subnet", tensors),
                               box: convolutions(prefix + "bbox_subnet", tensors), perLevel: perLevel)
    }

    /// A subnet's convolution indices in order: every index holding a 4-d weight.
    private static func convolutions(_ subnet: String, _ tensors: TensorCollection) -> [Int] {
        let prefix = subnet + "."
        var indices: [Int] = []
        for tensor in tensors.tensors where tensor.name.hasPrefix(prefix) && tensor.name.hasSuffix(".weight") {
            let middle = tensor.name.dropFirst(prefix.count).dropLast(".weight".count)
            // Indices past a few dozen are no RetinaNet subnet; a file can say anything.
            guard let index = Int(middle), (0..<256).contains(index), tensor.shape.rank == 4 else { continue }
            indices.append(index)
        }
        return indices.sorted()
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("retinanet")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        let weights = state.weights, head = Self.head
        for (level, (name, feature)) in state.pyramid.enumerated() {
            let prefix = perLevel ? Self.levelPrefix(level) : head
            state.emit("retina.cls.\(name)", try weights.convolution(
                try subnet(feature, prefix + "cls_subnet", classification, weights), weight: head + "cls_score.weight",
                bias: head + "cls_score.bias"))
            state.emit("retina.deltas.\(name)", try weights.convolution(
                try subnet(feature, prefix + "bbox_subnet", box, weights), weight: head + "bbox_pred.weight",
                bias: head + "bbox_pred.bias"))
        }
    }

    private func subnet(_ x: FeatureMap, _ subnet: String, _ indices: [Int], _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var y = x
        for index in indices {
            let convolution = "\(subnet).\(index)"
            y = try weights.convolution(y, weight: convolution + ".weight", bias: convolution + ".bias")
            if weights.has(convolution + ".norm.weight") {
                try weights.normalize(&y, convolution + ".norm")
            } else {
                try weights.groupNormIfPresent(&y, "\(subnet).\(index + 1)")
            }
            try weights.relu(&y)
        }
        return y
    }
}
