import WeightKitCore

/// The network a canonical collection holds: every part a family recognised, in the order they run.
public struct RecognizedNetwork: Sendable {
    let parts: [any NetworkFamily]

    /// Recognises every part among canonical tensors (names and shapes only).
    ///
    /// - Parameter tensors: a collection under canonical names.
    /// - Throws: `WeightKitError` when a part is there but in a shape no network has.
    public init(_ tensors: TensorCollection) throws(WeightKitError) {
        var parts: [any NetworkFamily] = []
        for family in NetworkFamilies.all {
            if let part = try family.recognize(tensors, after: parts) { parts.append(part) }
        }
        self.parts = parts
    }

    /// Whether a backbone was recognised, so the forward pass can run.
    public var hasBackbone: Bool {
        parts.contains { type(of: $0).role == .backbone }
    }

    /// What the parts say about the network.
    public var description: NetworkDescription {
        var description = NetworkDescription()
        for part in parts { part.describe(&description) }
        return description
    }

    /// What the transforms need to know about the network.
    public var structure: NetworkStructure {
        var structure = NetworkStructure()
        structure.inputConvolutions = NetworkFamilies.all.flatMap { $0.inputConvolutions }
        for part in parts { part.declare(&structure) }
        return structure
    }
}
