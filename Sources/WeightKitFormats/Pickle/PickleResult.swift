import WeightKitCore

/// The value a pickle built, with every container it made. The containers are taken apart one by one
/// when the result goes away, so that a deeply nested graph is never released by deep recursion.
/// Values taken from the result stay complete only while the result is alive.
public final class PickleResult {
    /// The top-level value the pickle built.
    public let value: PickleValue
    /// The offset (within the data) just after STOP.
    public let end: Int
    /// The protocol the pickle declared (0 or 1 when it has no PROTO opcode).
    public let declaredProtocol: Int
    /// Every persistent id the pickle used, in order.
    public let persistentIDs: [PickleValue]
    private let arena: [PickleContainer]

    init(value: PickleValue, end: Int, declaredProtocol: Int, persistentIDs: [PickleValue], arena: [PickleContainer]) {
        self.value = value
        self.end = end
        self.declaredProtocol = declaredProtocol
        self.persistentIDs = persistentIDs
        self.arena = arena
    }

    deinit {
        for container in arena { container.clear() }
    }
}
