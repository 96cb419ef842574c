/// An ordered set of uniquely named tensors with a string metadata map: what every reader returns and
/// every writer takes.
public struct TensorCollection: Sendable {
    /// The format the tensors were read from.
    public var format: WeightFormat
    /// The tensors, in file or model order.
    public private(set) var tensors: [Tensor] = []
    /// Free-form facts about the file: source metadata, non-tensor values, recorded semantics.
    public var metadata: [String: String]
    private var indexByName: [String: Int] = [:]

    public init(format: WeightFormat, metadata: [String: String] = [:]) {
        self.format = format
        self.metadata = metadata
    }

    /// The longest tensor name accepted, in UTF-8 bytes: real names are a few hundred at most, and a
    /// longer one is a file building names to exhaust memory or the layout engine.
    public static let maximumNameLength = 4096

    /// Appends `tensor`; a second tensor of the same name, or a name longer than `maximumNameLength`, is
    /// an error.
    public mutating func append(_ tensor: Tensor) throws(WeightKitError) {
        try Self.checkNameLength(tensor.name.utf8.count)
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
    public mutating func replace(_ tensor: Tensor) throws(WeightKitError) {
        guard let index = indexByName[tensor.name] else {
            throw WeightKitError(.invalidArgument, "no tensor to replace", location: .init(tensor: tensor.name))
        }
        tensors[index] = tensor
    }

    public subscript(name: String) -> Tensor? {
        indexByName[name].map { tensors[$0] }
    }

    public var count: Int { tensors.count }
    public var names: [String] { tensors.map(\.name) }
    /// Total elements over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
    /// Total bytes over all tensors.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }
}
