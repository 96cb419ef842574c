/// An ordered set of uniquely named tensors with what is known about them: what every reader returns and
/// every writer takes.
public struct TensorCollection: Sendable {
    /// The format the tensors were read from.
    public var format: WeightFormat
    /// The tensors, in file or model order.
    public private(set) var tensors: [Tensor] = []
    /// Free-form text about the file: the source's own metadata and non-tensor values, and WeightKit's
    /// descriptive keys (layout, architecture, what was dropped). Semantics are typed in `semantics`.
    public var metadata: [String: String]
    /// How the weights compute, as far as anyone stated it.
    public var semantics = WeightSemantics()
    /// What the reader found about the file itself.
    public var sourceFacts = SourceFacts()
    private var indexByName: [String: Int] = [:]

    /// Creates an empty collection.
    ///
    /// - Parameters:
    ///   - format: the format the tensors come from.
    ///   - metadata: free-form text about the file.
    public init(format: WeightFormat, metadata: [String: String] = [:]) {
        self.format = format
        self.metadata = metadata
    }

    /// The longest tensor name accepted, in UTF-8 bytes: real names are a few hundred at most, and a
    /// longer one is a file building names to exhaust memory or the layout engine.
    public static let maximumNameLength = 4096

    /// Appends `tensor`; a second tensor of the same name, a name longer than `maximumNameLength` or a rank
    /// above the format's limit is an error.
    ///
    /// - Parameter tensor: the tensor to add at the end.
    /// - Throws: `WeightKitError` (`malformed`) for a duplicate or overlong name, or a rank past the limit.
    public mutating func append(_ tensor: Tensor) throws(WeightKitError) {
        try Self.checkNameLength(tensor.name.utf8.count)
        let limit = format.rankLimit
        guard tensor.shape.rank <= limit.rank else {
            throw WeightKitError(
                .malformed,
                "rank \(tensor.shape.rank): \(format.rawValue) tensors have at most \(limit.rank) dimensions (\(limit.source))",
                location: .init(tensor: tensor.name))
        }
        guard indexByName[tensor.name] == nil else {
            throw WeightKitError(.malformed, "duplicate tensor name", location: .init(tensor: tensor.name))
        }
        indexByName[tensor.name] = tensors.count
        tensors.append(tensor)
    }

    /// Refuses a name of `length` bytes when it exceeds `maximumNameLength`.
    package static func checkNameLength(_ length: Int) throws(WeightKitError) {
        guard length <= maximumNameLength else {
            throw WeightKitError(
                .malformed, "tensor name of \(length) bytes is longer than the \(maximumNameLength) allowed")
        }
    }

    /// Replaces the tensor of the same name, keeping its position.
    ///
    /// - Parameter tensor: the new tensor; its name picks the one it replaces.
    /// - Throws: `WeightKitError` (`invalidArgument`) when no tensor has that name.
    public mutating func replace(_ tensor: Tensor) throws(WeightKitError) {
        guard let index = indexByName[tensor.name] else {
            throw WeightKitError(.invalidArgument, "no tensor to replace", location: .init(tensor: tensor.name))
        }
        tensors[index] = tensor
    }

    /// The tensor called `name`, or nil when there is none.
    ///
    /// - Parameter name: the tensor's name.
    /// - Returns: the tensor, found by name in constant time.
    public subscript(name: String) -> Tensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The number of tensors.
    public var count: Int { tensors.count }
    /// The tensors' names, in order.
    public var names: [String] { tensors.map(\.name) }
    /// Total elements over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
    /// Total bytes over all tensors.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }

    /// Every metadata string a container holds for this collection: the metadata, the semantics as
    /// `weightkit.*` keys and the source facts as `source.*` keys.
    public var containerMetadata: [String: String] {
        var result = metadata
        for (key, value) in semantics.recorded { result[key.rawValue] = value }
        result.merge(sourceFacts.recorded) { current, _ in current }
        return result
    }

    /// Moves the semantics a container recorded (`weightkit.norm_eps`, ...) out of `metadata` into
    /// `semantics`, over what is already stated.
    ///
    /// - Throws: `WeightKitError` when a recorded value is none a writer produces (an eps of `nan`).
    public mutating func adoptRecordedSemantics() throws(WeightKitError) {
        let recorded = try WeightSemantics(recorded: metadata)
        semantics = semantics.overridden(by: recorded)
        for key in WeightSemantics.recordedKeys { metadata[key.rawValue] = nil }
    }

    /// An empty collection with this one's format, metadata, semantics and source facts, to fill with
    /// rewritten tensors.
    ///
    /// - Returns: the empty collection.
    public func replacingTensors() -> TensorCollection {
        var empty = TensorCollection(format: format, metadata: metadata)
        empty.semantics = semantics
        empty.sourceFacts = sourceFacts
        return empty
    }
}

extension TensorCollection {
    /// Checks that the tensor `name`, where the file has it, has `rank` dimensions: a network part refuses a
    /// tensor whose rank contradicts its role (a scalar where a convolution weight belongs).
    ///
    /// - Throws: `WeightKitError` naming the tensor, its shape and the rank its role needs.
    ///
    /// - Parameters:
    ///   - name: the tensor's name; a tensor the collection lacks passes.
    ///   - rank: the number of dimensions its role needs.
    public func requireRank(_ name: String, _ rank: Int) throws(WeightKitError) {
        guard let tensor = self[name], tensor.shape.rank != rank else { return }
        throw WeightKitError(.malformed, "has rank \(tensor.shape.rank) (shape \(tensor.shape.dimensions)) where the network "
            + "needs rank \(rank)", location: .init(tensor: name))
    }
}
