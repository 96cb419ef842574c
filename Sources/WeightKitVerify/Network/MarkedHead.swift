import WeightKitCore

/// A head that one tensor marks and that has no shape of its own to recognise: it is there when its
/// marker tensor is, and records itself by name.
package protocol MarkedHead: NetworkFamily {
    /// The tensor whose presence means the head is there.
    static var marker: String { get }
    /// Its name in `weightkit.heads`.
    static var name: String { get }
    /// The ranks its weights must have (a scalar where a convolution belongs is refused, not run).
    static var ranks: [String: Int] { get }
    init()
}

extension MarkedHead {
    package static var ranks: [String: Int] { [:] }

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> Self? {
        guard tensors[marker] != nil else { return nil }
        try checkRanks(tensors)
        return Self()
    }

    /// Refuses a weight of `ranks` whose rank contradicts its role.
    static func checkRanks(_ tensors: TensorCollection) throws(WeightKitError) {
        for (name, rank) in ranks { try tensors.requireRank(name, rank) }
    }

    package func describe(_ description: inout NetworkDescription) {
        description.heads.append(Self.name)
    }
}
