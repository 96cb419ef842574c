import WeightKitCore

/// Every container the machine builds, so the arena can take the graph apart without recursion.
public class PickleContainer {
    /// Levels of containers below this one, as far as known when items were added.
    var depth = 0

    /// Drops this container's references to other values.
    func clear() {}
}

/// A Python tuple.
public final class PickleTuple: PickleContainer {
    /// The tuple's items, in order.
    public private(set) var items: [PickleValue]

    init(_ items: [PickleValue]) {
        self.items = items
    }

    override func clear() { items = [] }
}

/// A Python list.
public final class PickleList: PickleContainer {
    /// The list's items, in order.
    public internal(set) var items: [PickleValue] = []
    /// The memory one item takes, charged when a call copies items.
    static let bytesPerItem = MemoryLayout<PickleValue>.stride

    override func clear() { items = [] }
}

/// A dict in insertion order. BUILD on a dict (an OrderedDict's `_metadata`) sets `attributes`, not items.
public final class PickleDict: PickleContainer {
    /// The dict's entries, in insertion order.
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    /// The state BUILD gave the dict object itself (an OrderedDict's `_metadata`), kept apart from its items.
    public internal(set) var attributes: PickleValue?
    private var positionByKey: [PickleKey: Int] = [:]
    /// About the memory one entry takes (the pair, its key's hash-table slot), charged when a call copies
    /// entries.
    static let bytesPerEntry = 2 * MemoryLayout<PickleValue>.stride + MemoryLayout<PickleKey>.stride + 16

    /// Sets `key` to `value`; an existing key keeps its position, as in Python.
    func set(_ key: PickleValue, _ value: PickleValue) {
        if let hashable = PickleKey(key) {
            if let position = positionByKey[hashable] {
                entries[position].value = value
                return
            }
            positionByKey[hashable] = entries.count
        }
        entries.append((key, value))
    }

    /// The value for a text key.
    ///
    /// - Parameter key: the text key.
    /// - Returns: its value, or nil when the dict has no such key.
    public subscript(key: String) -> PickleValue? {
        positionByKey[.text(key)].map { entries[$0].value }
    }

    override func clear() {
        entries = []
        attributes = nil
        positionByKey = [:]
    }
}

/// An instance of an allowed class or the result of an allowed call, kept as data: the callable's name,
/// its arguments and the state BUILD gave it.
public final class PickleObject: PickleContainer {
    /// The class or callable that built the object.
    public let type: PythonName
    /// The arguments it was called with.
    public private(set) var arguments: [PickleValue]
    /// The state BUILD gave the object, if any.
    public internal(set) var state: PickleValue?
    /// The byte offset of the opcode that built the object, for error messages.
    public let offset: Int
    /// An instance of a class off the allow-list (a pickled `nn.Module`), kept as its name and state only.
    public let isInert: Bool

    init(type: PythonName, arguments: [PickleValue], offset: Int, isInert: Bool = false) {
        self.type = type
        self.arguments = arguments
        self.offset = offset
        self.isInert = isInert
    }

    override func clear() {
        arguments = []
        state = nil
    }
}
