import WeightKitCore

/// The allow-list: the only globals a pickle may name, and what calling each one builds. Everything else
/// is refused when the pickle names it, before anything could be called.
public struct PickleGlobals: Sendable {
    /// What an allowed global does when a pickle calls it (REDUCE, NEWOBJ).
    public enum Role: Sendable, Equatable {
        /// May be passed as a value (a storage class, a dtype) but not called.
        case value
        /// Calling it records a `PickleObject` with the arguments; a reader interprets it later.
        case record
        /// `collections.OrderedDict()`: an empty dict.
        case orderedDict
        /// `_codecs.encode(text, 'latin1')`: Python 3's spelling of bytes in protocol < 3.
        case encodeLatin1
        /// `set(items)` / `frozenset(items)`.
        case set
        /// `bytearray(bytes)`, and `bytes()` as Python 3 writes empty bytes at protocol < 3.
        case byteArray
        /// `torch.Size(tuple)`, `tuple(items)`: a tuple of the argument's items.
        case tuple
        /// `torch.jit._pickle.build_intlist(list)` and friends: the argument itself.
        case firstArgument
        /// `torch._tensor._rebuild_from_type_v2(func, type, args, state)`: calls the allowed `func` with `args`.
        case rebuildFromType
        /// `torch._utils._rebuild_parameter(data, ...)`: the tensor in `data`.
        case parameter
        /// `copyreg._reconstructor(cls, base, state)`: an instance of the allowed `cls`.
        case reconstructor
    }

    /// The globals a pickle may name, each with what calling it builds.
    public private(set) var roles: [PythonName: Role]
    /// Module prefixes whose classes may be instantiated as records (TorchScript's `__torch__.`).
    public private(set) var recordModulePrefixes: [String]

    /// Creates an allow-list.
    ///
    /// - Parameters:
    ///   - roles: the globals a pickle may name, with their roles.
    ///   - recordModulePrefixes: module prefixes whose classes may be instantiated as records.
    public init(roles: [PythonName: Role], recordModulePrefixes: [String] = []) {
        self.roles = roles
        self.recordModulePrefixes = recordModulePrefixes
    }

    /// The role of `name`, or nil if the pickle may not name it.
    ///
    /// - Parameter name: the global the pickle names.
    /// - Returns: its role; `record` for a class under a record prefix.
    public func role(of name: PythonName) -> Role? {
        if let role = roles[name] { return role }
        if recordModulePrefixes.contains(where: { name.module == $0 || name.module.hasPrefix($0 + ".") }) {
            return .record
        }
        return nil
    }

    /// Both allow-lists together.
    ///
    /// - Parameter other: the second allow-list; this one's roles win where both name a global.
    /// - Returns: the combined allow-list.
    public func merging(_ other: PickleGlobals) -> PickleGlobals {
        PickleGlobals(
            roles: roles.merging(other.roles) { first, _ in first },
            recordModulePrefixes: recordModulePrefixes + other.recordModulePrefixes)
    }

    /// Python 2 module names that Python 3's unpickler maps (fix_imports).
    static func modernModule(_ module: String) -> String {
        switch module {
        case "__builtin__": return "builtins"
        case "copy_reg": return "copyreg"
        default: return module
        }
    }
}

extension PickleGlobals {
    /// Plain Python containers and scalars.
    public static let python = PickleGlobals(roles: [
        PythonName("collections", "OrderedDict"): .orderedDict,
        PythonName("_codecs", "encode"): .encodeLatin1,
        PythonName("builtins", "set"): .set,
        PythonName("builtins", "frozenset"): .set,
        PythonName("builtins", "bytearray"): .byteArray,
        PythonName("builtins", "bytes"): .byteArray,
        PythonName("builtins", "tuple"): .tuple,
        PythonName("builtins", "complex"): .record,
        PythonName("builtins", "slice"): .record,
        PythonName("builtins", "object"): .value,
        PythonName("copyreg", "_reconstructor"): .reconstructor,
        PythonName("argparse", "Namespace"): .record,
    ])
}
