import WeightKitCore

/// A head that one tensor marks and that has no shape of its own to recognise: it is there when its
/// marker tensor is, and records itself by name.
package protocol MarkedHead: NetworkFamily {
    /// The tensor whose presence means the head is there.
    static var marker: String { get }
    /// Its name in `weightkit.heads`.
    static var name: String { get }
    init()
}

extension MarkedHead {
    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> Self? {
        tensors[marker] != nil ? Self() : nil
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append(Self.name)
    }
}
