import WeightKitCore

/// A classification network's final linear layer `head.fc` on the global average of the last stage (or of
/// a pre-activation network's final norm and ReLU). Outputs `logits`.
package struct ClassifierFamily: MarkedHead {
    package static let role = NetworkRole.classifier
    package static let layer = "head.fc"
    package static let marker = layer + ".weight"
    package static let name = "classifier"

    package init() {}

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        guard let features = state.classifierInput ?? state.lastStage else { return }
        state.emit("logits", try state.weights.linear(try state.weights.globalAveragePool(features), Self.layer))
    }
}
