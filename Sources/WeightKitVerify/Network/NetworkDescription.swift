import WeightKitCore

/// What the recognised parts say about the network, as `convert` records it and `inspect` shows it.
public struct NetworkDescription: Sendable, Equatable {
    /// `resnet-50`, `resnext-101-32x8d`, `vovnet-v2-39-ese`; nil without a backbone WeightKit knows.
    public var architecture: String?
    /// `fpn(p2,p3,p4,p5,p6)`.
    public var neck: String?
    /// The heads, in network order: `rpn`, `box`, `mask`, ...
    public var heads: [String] = []
    /// Shape parameters of the backbone (`weightkit.depth`, `.blocks`, ...).
    public var details: [ContainerKey: String] = [:]
    /// Where eSE sits, for VoVNets.
    public var ese: EsePlacement?

    /// Creates an empty description: no architecture, neck or heads.
    public init() {}

    /// Records the description under the documented `weightkit.*` keys.
    ///
    /// - Parameter collection: the collection whose metadata (and eSE semantics) receive the description.
    public func record(in collection: inout TensorCollection) {
        collection[.architecture] = architecture
        for (key, value) in details { collection[key] = value }
        collection[.neck] = neck
        collection[.heads] = heads.isEmpty ? nil : heads.joined(separator: ",")
        if let ese { collection.semantics.ese = ese }
    }
}
