import WeightKitCore

/// A value built by the pickle machine. Containers are reference types so a memo entry used many times
/// is one shared object, never a copy.
public enum PickleValue: @unchecked Sendable {
    /// Python's `None`.
    case none
    /// A `bool`.
    case bool(Bool)
    /// An `int` that fits in `Int`.
    case int(Int)
    /// An integer too large for `Int`: little-endian two's complement bytes.
    case bigInt([UInt8])
    /// A `float`.
    case float(Double)
    /// A `str`.
    case string(String)
    /// A large `str` kept as its UTF-8 bytes (a view into the file), decoded only when its text is needed.
    case utf8Text(TensorData)
    /// A Python 2 `str`: text decoded as latin-1 where a name is wanted, raw bytes where data is.
    case binaryString(TensorData)
    /// A `bytes` or `bytearray`.
    case bytes(TensorData)
    /// A tuple.
    case tuple(PickleTuple)
    /// A list.
    case list(PickleList)
    /// A dict, in insertion order.
    case dict(PickleDict)
    /// A `set` or `frozenset`, its items in pickle order.
    case set(PickleList)
    /// A global that was allowed to be named; it is never resolved to code.
    case global(PythonName)
    /// An instance of an allowed class or the result of an allowed call, recorded as data.
    case object(PickleObject)
    /// A persistent id (BINPERSID); the reader that allowed it resolves it.
    indirect case persistent(PickleValue)

    /// The text of a `str` or of a Python 2 string decoded as latin-1, as `pickle.load(encoding='latin1')` does.
    public var text: String? {
        switch self {
        case .string(let string): return string
        case .utf8Text(let data): return data.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
        case .binaryString(let data):
            return data.withUnsafeBytes { bytes in
                String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            }
        default: return nil
        }
    }

    /// Raw bytes from `bytes`, `bytearray` or a Python 2 string.
    public var byteData: TensorData? {
        switch self {
        case .bytes(let data), .binaryString(let data): return data
        default: return nil
        }
    }

    /// The value of an int or bool (true is 1), or nil.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The value of a float or int, or nil.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The items of a tuple or list.
    public var sequence: [PickleValue]? {
        switch self {
        case .tuple(let tuple): return tuple.items
        case .list(let list): return list.items
        default: return nil
        }
    }

    /// The items of a tuple or list of integers (a shape, a stride), or nil if any item is not one.
    public var integers: [Int]? {
        guard let items = sequence else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let number = item.intValue else { return nil }
            result.append(number)
        }
        return result
    }

    /// Whether this is Python's `None`.
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// The steps hashing this value as a dict key takes: its text or bytes (strings are validated and
    /// bytes copied to hash them), at least one.
    var hashCost: Int {
        switch self {
        case .string(let string): return max(1, string.utf8.count)
        case .utf8Text(let data), .binaryString(let data), .bytes(let data): return max(1, data.count)
        case .tuple(let tuple): return tuple.items.prefix(64).reduce(1) { $0 + min($1.shallowCost, 1 << 30) }
        default: return 1
        }
    }

    /// `hashCost` without descending into containers.
    private var shallowCost: Int {
        switch self {
        case .string(let string): return string.utf8.count
        case .utf8Text(let data), .binaryString(let data), .bytes(let data): return data.count
        default: return 1
        }
    }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string, .utf8Text, .binaryString: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .set: return "set"
        case .global(let name): return "global \(name)"
        case .object(let object): return "\(object.type) object"
        case .persistent: return "persistent id"
        }
    }
}

extension PickleValue {
    /// The nesting depth of a container value; 0 for scalars.
    var depth: Int {
        switch self {
        case .tuple(let container as PickleContainer), .list(let container as PickleContainer),
             .dict(let container as PickleContainer), .set(let container as PickleContainer),
             .object(let container as PickleContainer):
            return container.depth
        case .persistent(let id):
            return id.sequence == nil ? 0 : 1
        default:
            return 0
        }
    }
}
