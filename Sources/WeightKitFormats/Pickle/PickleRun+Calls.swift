import WeightKitCore

/// The opcodes that name globals and call them: only allow-listed globals are named, and calling one builds
/// what its role says, never runs anything.
extension PickleRun {
    func pushGlobal(_ reader: inout ByteReader) throws(WeightKitError) {
        let module = try line(&reader, "GLOBAL module")
        let name = try line(&reader, "GLOBAL name")
        try push(.global(try allowedGlobal(module, name)))
    }

    func pushStackGlobal() throws(WeightKitError) {
        let name = try pop(), module = try pop()
        guard let nameText = name.text, let moduleText = module.text else {
            throw malformed("STACK_GLOBAL needs two strings, got \(module.kindName) and \(name.kindName)")
        }
        try push(.global(try allowedGlobal(moduleText, nameText)))
    }

    func reduce() throws(WeightKitError) {
        let arguments = try pop(), callable = try pop()
        guard case .tuple(let tuple) = arguments else {
            throw malformed("REDUCE arguments are a \(arguments.kindName), not a tuple")
        }
        try push(try call(callable, tuple.items, from: arguments))
    }

    /// NEWOBJ, and NEWOBJ_EX whose keyword arguments are dropped.
    func newObject(withKeywords: Bool) throws(WeightKitError) {
        if withKeywords { _ = try pop() }
        let arguments = try pop(), type = try pop()
        guard case .tuple(let tuple) = arguments else {
            throw malformed("\(withKeywords ? "NEWOBJ_EX" : "NEWOBJ") arguments are a \(arguments.kindName), not a tuple")
        }
        try push(try instantiate(type, tuple.items, from: arguments))
    }

    /// BUILD: an object's state, or a dict's attributes; never a call of `__setstate__`.
    func build() throws(WeightKitError) {
        let state = try pop()
        switch try top() {
        case .object(let object):
            try deepen(object, by: [state])
            object.state = state
        case .dict(let dict):
            try deepen(dict, by: [state])
            dict.attributes = state
        case let other:
            throw malformed("BUILD on a \(other.kindName)")
        }
    }

    func persistentID() throws(WeightKitError) {
        let id = try pop()
        guard machine.allowsPersistentIDs else {
            throw refused(.unsafe, "persistent id (BINPERSID) in a pickle that may not reference external data")
        }
        persistentIDs.append(id)
        try push(.persistent(id))
    }

    func refuseInstance(_ reader: inout ByteReader) throws(WeightKitError) {
        let module = try line(&reader, "INST module")
        let name = try line(&reader, "INST name")
        throw refused(.unsafe, "INST would instantiate '\(module).\(name)'; refused, nothing was run")
    }

    func allowedGlobal(_ module: String, _ name: String) throws(WeightKitError) -> PythonName {
        let qualified = PythonName(PickleGlobals.modernModule(module), name)
        guard machine.globals.role(of: qualified) != nil || (machine.recordsUnknownClasses && Self.mayBeClass(qualified))
        else {
            throw refused(
                .unsafe,
                "pickle names global '\(module).\(name)', which is not on WeightKit's allow-list; nothing was run")
        }
        return qualified
    }

    /// Modules whose names are never even recorded: a pickle naming them is hostile (torch's own weights-only
    /// loader refuses them too).
    static let refusedModules: Set<String> = ["os", "posix", "nt", "sys", "subprocess", "builtins", "shutil", "socket",
                                               "importlib", "runpy", "pty", "ctypes", "pickle", "marshal", "code", "eval"]

    /// Whether a global off the allow-list may stand as the class of an inert record: not one of the modules
    /// above, and spelled like a class (an upper-case first letter, as Python classes are).
    static func mayBeClass(_ name: PythonName) -> Bool {
        let root = String(name.module.split(separator: ".").first ?? "")
        guard !refusedModules.contains(root), let first = name.name.first else { return false }
        return first.isUppercase && name.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// NEWOBJ and `copyreg._reconstructor`: an allow-listed class builds what its role says; any other class
    /// a file named becomes an inert record of its name, arguments and (after BUILD) state.
    func instantiate(
        _ type: PickleValue, _ arguments: [PickleValue], from source: PickleValue? = nil, depth: Int = 0
    ) throws(WeightKitError) -> PickleValue {
        if case .global(let name) = type, machine.globals.role(of: name) == nil, machine.recordsUnknownClasses {
            let object = PickleObject(type: name, arguments: arguments, offset: opcodeOffset, isInert: true)
            return .object(try keep(object, holding: arguments, from: source))
        }
        return try call(type, arguments, from: source, depth: depth)
    }

    /// REDUCE and NEWOBJ: builds what the allow-list says calling `callable` builds. `source` is the
    /// arguments' tuple when there is one; `depth` counts the calls made on behalf of an outer call's
    /// arguments.
    func call(
        _ callable: PickleValue, _ arguments: [PickleValue], from source: PickleValue? = nil, depth: Int = 0
    ) throws(WeightKitError) -> PickleValue {
        guard depth <= machine.limits.maximumCallDepth else {
            throw refused(.limitExceeded, "rebuild calls nested more than \(machine.limits.maximumCallDepth) levels deep")
        }
        guard case .global(let name) = callable else { throw malformed("call of a \(callable.kindName), not of a global") }
        guard let role = machine.globals.role(of: name) else {
            throw refused(.unsafe, "call of '\(name)', which is not on WeightKit's allow-list")
        }
        switch role {
        case .value: throw refused(.unsafe, "'\(name)' may be referenced but not called")
        case .record:
            let object = PickleObject(type: name, arguments: arguments, offset: opcodeOffset)
            return .object(try keep(object, holding: arguments, from: source))
        case .orderedDict: return try orderedDict(arguments)
        case .encodeLatin1: return try encode(arguments)
        case .set: return try set(of: arguments, name)
        case .byteArray: return try byteArray(arguments)
        case .tuple: return try tuple(of: arguments, name)
        case .firstArgument, .parameter: return try firstArgument(arguments, name)
        case .rebuildFromType: return try rebuildFromType(arguments, name, depth: depth)
        case .reconstructor: return try reconstruct(arguments, name, depth: depth)
        }
    }
}
