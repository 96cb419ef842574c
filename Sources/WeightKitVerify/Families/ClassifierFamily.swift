import WeightKitCore

/// A classification network's final linear layer `head.fc` on the global average of the last stage (or of
/// a pre-activation network's final norm and ReLU). Outputs `logits`.
package struct ClassifierFamily: NetworkFamily {
    package static let role = NetworkRole.classifier
    package static let layer = "head.fc"

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> ClassifierFamily? {
        tensors[layer + ".weight"] != nil ? ClassifierFamily() : nil
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append("classifier")
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        guard let features = state.classifierInput ?? state.lastStage else { return }
        let logits = try state.weights.linear(Operations.globalAveragePool(features), Self.layer)
        state.emit("logits", FeatureMap(channels: logits.count, height: 1, width: 1, values: logits))
    }
}
