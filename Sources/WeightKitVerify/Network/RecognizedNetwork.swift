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

extension RecognizedNetwork {
    /// The input a shape check runs on: large enough for every level down to stride 128 (RetinaNet's p7).
    static let shapeCheckSide = 256

    /// Checks that every tensor of the recognised parts has the shape the network reads it with (a
    /// convolution's input channels, a norm's length, a head's width), by running the parts on maps of zeros:
    /// nothing is converted or computed.
    ///
    /// - Parameter collection: the tensors the network was recognised from.
    /// - Throws: `WeightKitError` naming the first tensor whose shape contradicts its place in the network; a
    ///   missing tensor ends the check without an error.
    public func checkShapes(of collection: TensorCollection) throws(WeightKitError) {
        guard hasBackbone else { return }
        do {
            _ = try shapePass(collection)
        } catch where error.reason == NetworkWeights.missingReason {
            // A file without every tensor still converts; what it has was checked up to the first gap.
        }
    }

    /// The names of the outputs the network gives, the ROI heads' included (found by the shape pass).
    ///
    /// - Throws: `WeightKitError` when a tensor is missing or does not fit the network.
    ///
    /// - Parameter collection: the weights the network was recognised from.
    /// - Returns: the output names in network order; empty without a backbone.
    public func outputNames(of collection: TensorCollection) throws(WeightKitError) -> [String] {
        guard hasBackbone else { return [] }
        return try shapePass(collection).map(\.name)
    }

    /// The parts run over maps of zeros: every shape checked, nothing computed.
    private func shapePass(_ collection: TensorCollection) throws(WeightKitError) -> [(name: String, value: FeatureMap)] {
        let memory = ForwardMemory()
        let weights = try NetworkWeights(checkingShapesOf: collection, memory: memory)
        let side = Self.shapeCheckSide
        let input = try memory.map(channels: 3, height: side, width: side, for: "the shape check's input")
        var state = ForwardState(weights: weights, input: input, boxes: [RegionOfInterest(x1: 16, y1: 16, x2: 112, y2: 112)])
        try state.run(parts)
        return state.outputs
    }
}
