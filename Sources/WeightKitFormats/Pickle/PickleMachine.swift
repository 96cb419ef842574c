import WeightKitCore

/// A pickle virtual machine that builds data and never code: globals are names checked against an
/// allow-list, calls build records, memo entries are shared references, and every length is checked
/// against the bytes that remain.
public struct PickleMachine: Sendable {
    /// Bounds on the shape of one pickle; what it may consume in total comes from the file's `ReadBudget`.
    public struct Limits: Sendable {
        /// Open MARKs at once.
        public var maximumMarks = 100_000
        /// Container nesting that the walkers over the result accept.
        public var maximumNesting = 1_000
        /// Calls an allowed call may make on behalf of its arguments (`_rebuild_from_type_v2` unwrapping
        /// another rebuild): a pickle can make its arguments contain themselves.
        public var maximumCallDepth = 16

        public init() {}
    }

    public var globals: PickleGlobals
    /// Whether BINPERSID may appear: torch files use it for storages; a plain pickle has none.
    public var allowsPersistentIDs: Bool
    /// Whether a class off the allow-list may be instantiated (NEWOBJ, `copyreg._reconstructor`) as an inert
    /// record of its name and state, as `torch.save(model)` pickles modules. Such a global can never be
    /// called (REDUCE): that is refused as before, so nothing a file names ever runs.
    public var recordsUnknownClasses = true
    public var limits = Limits()

    public init(globals: PickleGlobals, allowsPersistentIDs: Bool) {
        self.globals = globals
        self.allowsPersistentIDs = allowsPersistentIDs
    }

    /// Runs the pickle that starts at `start` in `data`.
    ///
    /// - Parameters:
    ///   - baseOffset: where `data` starts in its file, so errors give file offsets.
    ///   - mustEndAtSTOP: refuse bytes after STOP (a whole pickle file or entry); false for a stream of
    ///     pickles, where the result's `end` says where the next one starts.
    ///   - budget: the budget of the file the pickle belongs to, shared with the file's other pickles and
    ///     readers; nil gives this pickle a budget of its own sized by `data`.
    public func load(
        _ data: TensorData, from start: Int = 0, baseOffset: Int = 0, mustEndAtSTOP: Bool = true,
        budget: ReadBudget? = nil
    ) throws(WeightKitError) -> PickleResult {
        let run = PickleRun(
            machine: self, data: data, baseOffset: baseOffset, budget: budget ?? ReadBudget(.forFile(size: data.count)))
        do {
            return try data.withUnsafeBytes { bytes in
                try run.execute(bytes, from: start, mustEndAtSTOP: mustEndAtSTOP)
            }
        } catch {
            run.tearDown()
            throw .recovered(from: error)
        }
    }
}

/// The value a pickle built, with every container it made. The containers are taken apart one by one
/// when the result goes away, so that a deeply nested graph is never released by deep recursion.
/// Values taken from the result stay complete only while the result is alive.
public final class PickleResult {
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

/// One execution of the machine: stack, marks, memo and the arena of built containers.
package final class PickleRun {
    private let machine: PickleMachine
    private let data: TensorData
    private let baseOffset: Int
    private let budget: ReadBudget
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var arena: [PickleContainer] = []
    /// `_codecs.encode` results by the text they encoded: a memoised string referenced many times is
    /// validated and decoded once.
    private var encoded: [TensorData.ViewKey: PickleValue] = [:]
    private var declaredProtocol = 0
    private var persistentIDs: [PickleValue] = []
    /// File offset of the opcode being executed.
    private var opcodeOffset = 0

    init(machine: PickleMachine, data: TensorData, baseOffset: Int, budget: ReadBudget) {
        self.machine = machine
        self.data = data
        self.baseOffset = baseOffset
        self.budget = budget
    }

    func tearDown() {
        stack = []
        memo = [:]
        encoded = [:]
        for container in arena { container.clear() }
        arena = []
    }

    // MARK: - Errors

    private func malformed(_ reason: String) -> WeightKitError {
        WeightKitError(.malformed, reason, location: .init(byteOffset: opcodeOffset))
    }

    private func refused(_ kind: WeightKitError.Kind, _ reason: String) -> WeightKitError {
        WeightKitError(kind, reason, location: .init(byteOffset: opcodeOffset))
    }

    // MARK: - Building values

    private func count() throws(WeightKitError) {
        do {
            try budget.charge(values: 1, for: "a pickle value")
        } catch {
            throw located(error)
        }
    }

    /// Charges `steps` of work (hashing, validating, parsing) done for `what`.
    private func work(_ steps: Int, _ what: @autoclosure () -> String) throws(WeightKitError) {
        do {
            try budget.charge(work: steps, for: what())
        } catch {
            throw located(error)
        }
    }

    /// Charges `count` bytes copied out of the pickle for `what`.
    private func produce(_ count: Int, _ what: @autoclosure () -> String) throws(WeightKitError) {
        do {
            try budget.charge(bytes: count, for: what())
        } catch {
            throw located(error)
        }
    }

    private func located(_ error: WeightKitError) -> WeightKitError {
        var located = error
        if located.location.byteOffset == nil { located.location.byteOffset = opcodeOffset }
        return located
    }

    private func keep<Container: PickleContainer>(
        _ container: Container, holding items: [PickleValue] = []
    ) throws(WeightKitError) -> Container {
        try count()
        arena.append(container)
        try deepen(container, by: items)
        return container
    }

    /// Records that `container` now holds `items`; refuses nesting past the limit as it is built.
    private func deepen(_ container: PickleContainer, by items: [PickleValue]) throws(WeightKitError) {
        for item in items where item.depth >= container.depth {
            container.depth = item.depth + 1
        }
        guard container.depth <= machine.limits.maximumNesting else {
            throw refused(.limitExceeded, "objects nested deeper than \(machine.limits.maximumNesting) levels")
        }
    }

    private func push(_ value: PickleValue) throws(WeightKitError) {
        try count()
        stack.append(value)
    }

    private func pop() throws(WeightKitError) -> PickleValue {
        guard let top = stack.popLast() else { throw malformed("stack underflow") }
        if let mark = marks.last, stack.count < mark { throw malformed("stack underflow past a MARK") }
        return top
    }

    private func top() throws(WeightKitError) -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else {
            throw malformed("stack is empty")
        }
        return value
    }

    private func popToMark() throws(WeightKitError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func tuple(_ items: [PickleValue]) throws(WeightKitError) -> PickleValue {
        .tuple(try keep(PickleTuple(items), holding: items))
    }

    // MARK: - Execution

    func execute(_ bytes: UnsafeRawBufferPointer, from start: Int, mustEndAtSTOP: Bool) throws(WeightKitError)
        -> PickleResult
    {
        guard start >= 0, start <= bytes.count else {
            throw .malformed("pickle starts outside its data", at: baseOffset + start)
        }
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[start...]), baseOffset: baseOffset + start)
        while true {
            opcodeOffset = reader.fileOffset
            let code = try reader.readUInt8("pickle opcode")
            guard let opcode = PickleOpcode(rawValue: code) else {
                throw malformed("unknown pickle opcode 0x\(String(code, radix: 16))")
            }
            if opcode == .stop {
                guard marks.isEmpty else { throw malformed("STOP with an open MARK") }
                guard stack.count == 1, let value = stack.first else {
                    throw malformed("STOP with \(stack.count) values on the stack instead of 1")
                }
                let end = start + reader.position
                if mustEndAtSTOP, end != bytes.count {
                    throw WeightKitError(
                        .malformed, "\(bytes.count - end) bytes follow the pickle's STOP",
                        location: .init(byteOffset: baseOffset + end))
                }
                let result = PickleResult(
                    value: value, end: end, declaredProtocol: declaredProtocol, persistentIDs: persistentIDs,
                    arena: arena)
                stack = []
                memo = [:]
                arena = []
                return result
            }
            try step(opcode, &reader, start: start)
        }
    }

    private func step(_ opcode: PickleOpcode, _ reader: inout ByteReader, start: Int) throws(WeightKitError) {
        switch opcode {
        case .proto:
            let version = Int(try reader.readUInt8("protocol version"))
            guard version <= 5 else { throw refused(.unsupported, "pickle protocol \(version) is newer than 5") }
            declaredProtocol = version
        case .frame:
            let length = try reader.readLength64("frame length")
            guard length <= reader.remaining else {
                throw .truncated("frame of \(length) bytes but only \(reader.remaining) remain", at: opcodeOffset)
            }
        case .stop:
            break
        case .mark:
            guard marks.count < machine.limits.maximumMarks else {
                throw refused(.limitExceeded, "more than \(machine.limits.maximumMarks) nested MARKs")
            }
            marks.append(stack.count)
        case .pop:
            if stack.count == (marks.last ?? -1) {
                marks.removeLast()
            } else {
                _ = try pop()
            }
        case .popMark:
            _ = try popToMark()
        case .dup:
            try push(try top())

        // Scalars.
        case .none: try push(.none)
        case .newTrue: try push(.bool(true))
        case .newFalse: try push(.bool(false))
        case .binInt: try push(.int(Int(try reader.readLittleEndian(Int32.self, "BININT"))))
        case .binInt1: try push(.int(Int(try reader.readUInt8("BININT1"))))
        case .binInt2: try push(.int(Int(try reader.readLittleEndian(UInt16.self, "BININT2"))))
        case .long1:
            let length = Int(try reader.readUInt8("LONG1 length"))
            try push(integer(fromLittleEndian: try reader.readBytes(length, for: "LONG1")))
        case .long4:
            let length = Int(try reader.readLittleEndian(Int32.self, "LONG4 length"))
            let bytes = try reader.readBytes(length, for: "LONG4")
            try produce(bytes.count, "a LONG4 integer")
            try push(integer(fromLittleEndian: bytes))
        case .binFloat:
            try push(.float(Double(bitPattern: try reader.readBigEndian(UInt64.self, "BINFLOAT"))))
        case .int:
            try push(try decimal(try line(&reader, "INT"), bool: true))
        case .long:
            try push(try decimal(try line(&reader, "LONG"), bool: false))
        case .float:
            let text = try line(&reader, "FLOAT")
            guard let value = Double(text.trimmingSpaces) else { throw malformed("FLOAT '\(text)' is not a number") }
            try push(.float(value))

        // Strings and bytes.
        case .binUnicode:
            try push(try text(&reader, Int(try reader.readLittleEndian(UInt32.self, "BINUNICODE length"))))
        case .shortBinUnicode:
            try push(.string(try utf8(&reader, Int(try reader.readUInt8("SHORT_BINUNICODE length")))))
        case .binUnicode8:
            try push(try text(&reader, try reader.readLength64("BINUNICODE8 length")))
        case .unicode:
            try push(.string(try PickleText.rawUnicodeEscape(try line(&reader, "UNICODE", latin1: true), at: opcodeOffset)))
        case .binString:
            let length = Int(try reader.readLittleEndian(Int32.self, "BINSTRING length"))
            try push(.binaryString(try slice(&reader, length, "BINSTRING")))
        case .shortBinString:
            try push(.binaryString(try slice(&reader, Int(try reader.readUInt8("SHORT_BINSTRING length")), "SHORT_BINSTRING")))
        case .string:
            let quoted = try line(&reader, "STRING")
            try produce(quoted.utf8.count, "a STRING")
            try push(.binaryString(TensorData(try PickleText.quotedString(quoted, at: opcodeOffset))))
        case .binBytes:
            try push(.bytes(try slice(&reader, Int(try reader.readLittleEndian(UInt32.self, "BINBYTES length")), "BINBYTES")))
        case .shortBinBytes:
            try push(.bytes(try slice(&reader, Int(try reader.readUInt8("SHORT_BINBYTES length")), "SHORT_BINBYTES")))
        case .binBytes8, .byteArray8:
            try push(.bytes(try slice(&reader, try reader.readLength64("BINBYTES8 length"), "BINBYTES8")))

        // Containers.
        case .emptyTuple: try push(try tuple([]))
        case .tuple: try push(try tuple(try popToMark()))
        case .tuple1:
            let a = try pop()
            try push(try tuple([a]))
        case .tuple2:
            let b = try pop(), a = try pop()
            try push(try tuple([a, b]))
        case .tuple3:
            let c = try pop(), b = try pop(), a = try pop()
            try push(try tuple([a, b, c]))
        case .emptyList: try push(.list(try keep(PickleList())))
        case .list:
            let items = try popToMark()
            let list = try keep(PickleList(), holding: items)
            list.items = items
            try push(.list(list))
        case .append:
            let item = try pop()
            try appendItems([item], to: try top())
        case .appends:
            let items = try popToMark()
            try appendItems(items, to: try top())
        case .emptyDict: try push(.dict(try keep(PickleDict())))
        case .dict:
            let items = try popToMark()
            let dict = try keep(PickleDict())
            try setItems(items, in: .dict(dict))
            try push(.dict(dict))
        case .setItem:
            let value = try pop(), key = try pop()
            try setItems([key, value], in: try top())
        case .setItems:
            let items = try popToMark()
            try setItems(items, in: try top())
        case .emptySet: try push(.set(try keep(PickleList())))
        case .addItems:
            let items = try popToMark()
            guard case .set(let set) = try top() else { throw malformed("ADDITEMS on a \(try top().kindName)") }
            try deepen(set, by: items)
            set.items.append(contentsOf: items)
        case .frozenSet:
            let items = try popToMark()
            let set = try keep(PickleList(), holding: items)
            set.items = items
            try push(.set(set))

        // Memo.
        case .put: try remember(try PickleText.index(try line(&reader, "PUT"), at: opcodeOffset))
        case .binPut: try remember(Int(try reader.readUInt8("BINPUT index")))
        case .longBinPut: try remember(Int(try reader.readLittleEndian(UInt32.self, "LONG_BINPUT index")))
        case .memoize: try remember(memo.count)
        case .get: try recall(try PickleText.index(try line(&reader, "GET"), at: opcodeOffset))
        case .binGet: try recall(Int(try reader.readUInt8("BINGET index")))
        case .longBinGet: try recall(Int(try reader.readLittleEndian(UInt32.self, "LONG_BINGET index")))

        // Globals and calls.
        case .global:
            let module = try line(&reader, "GLOBAL module")
            let name = try line(&reader, "GLOBAL name")
            try push(.global(try allowedGlobal(module, name)))
        case .stackGlobal:
            let name = try pop(), module = try pop()
            guard let nameText = name.text, let moduleText = module.text else {
                throw malformed("STACK_GLOBAL needs two strings, got \(module.kindName) and \(name.kindName)")
            }
            try push(.global(try allowedGlobal(moduleText, nameText)))
        case .reduce:
            let arguments = try pop(), callable = try pop()
            guard case .tuple(let tuple) = arguments else {
                throw malformed("REDUCE arguments are a \(arguments.kindName), not a tuple")
            }
            try push(try call(callable, tuple.items))
        case .newObj:
            let arguments = try pop(), type = try pop()
            guard case .tuple(let tuple) = arguments else {
                throw malformed("NEWOBJ arguments are a \(arguments.kindName), not a tuple")
            }
            try push(try instantiate(type, tuple.items))
        case .newObjEx:
            _ = try pop()
            let arguments = try pop(), type = try pop()
            guard case .tuple(let tuple) = arguments else {
                throw malformed("NEWOBJ_EX arguments are a \(arguments.kindName), not a tuple")
            }
            try push(try instantiate(type, tuple.items))
        case .build:
            let state = try pop()
            switch try top() {
            case .object(let object):
                try deepen(object, by: [state])
                object.state = state
            case .dict(let dict):
                try deepen(dict, by: [state])
                dict.attributes = state
            case let other: throw malformed("BUILD on a \(other.kindName)")
            }
        case .binPersistentID:
            let id = try pop()
            guard machine.allowsPersistentIDs else {
                throw refused(.unsafe, "persistent id (BINPERSID) in a pickle that may not reference external data")
            }
            persistentIDs.append(id)
            try push(.persistent(id))

        // Refused outright.
        case .persistentID:
            throw refused(.unsupported, "text persistent ids (PERSID) are refused")
        case .inst:
            let module = try line(&reader, "INST module")
            let name = try line(&reader, "INST name")
            throw refused(.unsafe, "INST would instantiate '\(module).\(name)'; refused, nothing was run")
        case .obj:
            throw refused(.unsafe, "OBJ instantiates arbitrary classes; refused, nothing was run")
        case .ext1, .ext2, .ext4:
            throw refused(.unsafe, "extension registry codes (EXT1/2/4) are refused")
        case .nextBuffer, .readonlyBuffer:
            throw refused(.unsupported, "out-of-band buffers (protocol 5 NEXT_BUFFER) are not supported")
        }
    }

    // MARK: - Helpers

    /// The text up to the next newline: UTF-8, or latin-1 for raw-unicode-escape.
    private func line(_ reader: inout ByteReader, _ what: String, latin1: Bool = false) throws(WeightKitError) -> String {
        let start = reader.position
        var end = start
        while end < reader.bytes.count, reader.bytes[end] != 0x0A { end += 1 }
        guard end < reader.bytes.count else {
            throw .truncated("\(what) has no terminating newline", at: reader.fileOffset)
        }
        let raw = UnsafeRawBufferPointer(rebasing: reader.bytes[start..<end])
        let text = latin1
            ? String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
            : String(decoding: raw, as: UTF8.self)
        try reader.skip(end - start + 1, for: what)
        return text
    }

    private func slice(_ reader: inout ByteReader, _ length: Int, _ what: String) throws(WeightKitError) -> TensorData {
        let dataStart = reader.baseOffset - baseOffset
        let range = try reader.take(length, for: what)
        return data.slice(dataStart + range.lowerBound..<dataStart + range.upperBound)
    }

    /// Strings past this size are array data in disguise (`_codecs.encode`), kept as views of their bytes.
    static let largeStringThreshold = 4096

    private func text(_ reader: inout ByteReader, _ length: Int) throws(WeightKitError) -> PickleValue {
        guard length >= Self.largeStringThreshold else { return .string(try utf8(&reader, length)) }
        return .utf8Text(try slice(&reader, length, "string"))
    }

    private func utf8(_ reader: inout ByteReader, _ length: Int) throws(WeightKitError) -> String {
        let bytes = try reader.readBytes(length, for: "string")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw malformed("string is not valid UTF-8")
        }
        return text
    }

    private func integer(fromLittleEndian bytes: UnsafeRawBufferPointer) -> PickleValue {
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(Array(bytes)) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        let shift = UInt64(64 - 8 * bytes.count)
        // Sign-extend from the top bit of the last byte.
        return .int(Int(Int64(bitPattern: value << shift) >> Int64(shift)))
    }

    private func remember(_ index: Int) throws(WeightKitError) {
        let value = try top()
        if memo.updateValue(value, forKey: index) == nil { try count() }
    }

    /// INT and LONG text: a huge decimal costs time quadratic in its digits, so it is charged as such.
    private func decimal(_ text: String, bool: Bool) throws(WeightKitError) -> PickleValue {
        let digits = text.utf8.count
        if digits > 18 { try work(digits * digits / 2, "a \(digits)-digit integer") }
        return try PickleText.integer(text, bool: bool, at: opcodeOffset)
    }

    private func recall(_ index: Int) throws(WeightKitError) {
        guard let value = memo[index] else { throw malformed("memo entry \(index) was never stored") }
        try push(value)
    }

    private func appendItems(_ items: [PickleValue], to target: PickleValue) throws(WeightKitError) {
        guard case .list(let list) = target else { throw malformed("APPEND to a \(target.kindName)") }
        try deepen(list, by: items)
        list.items.append(contentsOf: items)
    }

    private func setItems(_ items: [PickleValue], in target: PickleValue) throws(WeightKitError) {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        guard case .dict(let dict) = target else { throw malformed("SETITEM on a \(target.kindName)") }
        try deepen(dict, by: items)
        for index in stride(from: 0, to: items.count, by: 2) {
            try set(items[index], items[index + 1], in: dict)
        }
    }

    /// Sets one dict item, charging the hashing of its key: a large key set again and again is hashed
    /// (and, for bytes, copied) each time.
    private func set(_ key: PickleValue, _ value: PickleValue, in dict: PickleDict) throws(WeightKitError) {
        try work(key.hashCost, "hashing a dict key")
        dict.set(key, value)
    }

    private func allowedGlobal(_ module: String, _ name: String) throws(WeightKitError) -> PythonName {
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
    private func instantiate(_ type: PickleValue, _ arguments: [PickleValue], depth: Int = 0) throws(WeightKitError)
        -> PickleValue
    {
        if case .global(let name) = type, machine.globals.role(of: name) == nil, machine.recordsUnknownClasses {
            return .object(try keep(
                PickleObject(type: name, arguments: arguments, offset: opcodeOffset, isInert: true), holding: arguments))
        }
        return try call(type, arguments, depth: depth)
    }

    /// REDUCE and NEWOBJ: builds what the allow-list says calling `callable` builds. `depth` counts the
    /// calls made on behalf of an outer call's arguments.
    private func call(_ callable: PickleValue, _ arguments: [PickleValue], depth: Int = 0) throws(WeightKitError)
        -> PickleValue
    {
        guard depth <= machine.limits.maximumCallDepth else {
            throw refused(
                .limitExceeded, "rebuild calls nested more than \(machine.limits.maximumCallDepth) levels deep")
        }
        guard case .global(let name) = callable else {
            throw malformed("call of a \(callable.kindName), not of a global")
        }
        guard let role = machine.globals.role(of: name) else {
            throw refused(.unsafe, "call of '\(name)', which is not on WeightKit's allow-list")
        }
        switch role {
        case .value:
            throw refused(.unsafe, "'\(name)' may be referenced but not called")
        case .record:
            return .object(try keep(PickleObject(type: name, arguments: arguments, offset: opcodeOffset), holding: arguments))
        case .orderedDict:
            let dict = try keep(PickleDict())
            if let items = arguments.first?.sequence {
                try deepen(dict, by: items)
                for item in items {
                    guard let pair = item.sequence, pair.count == 2 else {
                        throw malformed("OrderedDict item is not a pair")
                    }
                    try set(pair[0], pair[1], in: dict)
                }
            }
            return .dict(dict)
        case .encodeLatin1:
            let encoding = arguments.count > 1 ? arguments[1].text?.lowercased() : "utf-8"
            let latin1 = encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1"
            if latin1, case .utf8Text(let utf8)? = arguments.first {
                let key = utf8.viewKey
                if let key, let known = encoded[key] { return known }
                try work(utf8.count, "validating latin-1 text")
                guard let text = Latin1Text(utf8: utf8) else {
                    throw malformed("_codecs.encode: text is not latin-1")
                }
                let bytes = PickleValue.bytes(TensorData(deferred: text))
                if let key { encoded[key] = bytes }
                return bytes
            }
            try work(arguments.first?.hashCost ?? 0, "decoding a string")
            guard let text = arguments.first?.text else {
                throw malformed("_codecs.encode without a string")
            }
            try produce(text.utf8.count, "_codecs.encode")
            if latin1 {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(text.unicodeScalars.count)
                for scalar in text.unicodeScalars {
                    guard scalar.value < 256 else { throw malformed("_codecs.encode: text is not latin-1") }
                    bytes.append(UInt8(scalar.value))
                }
                return .bytes(TensorData(bytes))
            }
            guard encoding == "utf-8" || encoding == "utf8" else {
                throw refused(.unsupported, "_codecs.encode with encoding '\(encoding ?? "?")'")
            }
            return .bytes(TensorData(Array(text.utf8)))
        case .set:
            let set = try keep(PickleList())
            if let first = arguments.first {
                guard let items = first.sequence ?? setItems(first) else {
                    throw malformed("\(name) of a \(first.kindName)")
                }
                set.items = items
            }
            return .set(set)
        case .byteArray:
            guard let first = arguments.first else { return .bytes(TensorData([])) }
            guard let bytes = first.byteData else { throw malformed("bytearray of a \(first.kindName)") }
            return .bytes(bytes)
        case .tuple:
            guard let first = arguments.first else { return try tuple([]) }
            guard let items = first.sequence else { throw malformed("\(name) of a \(first.kindName)") }
            return try tuple(items)
        case .firstArgument:
            guard let first = arguments.first else { throw malformed("\(name) without an argument") }
            return first
        case .parameter:
            guard let first = arguments.first else { throw malformed("\(name) without data") }
            return first
        case .rebuildFromType:
            guard arguments.count >= 3, let inner = arguments[2].sequence else {
                throw malformed("\(name) needs (function, type, arguments, state)")
            }
            return try call(arguments[0], inner, depth: depth + 1)
        case .reconstructor:
            guard let first = arguments.first, case .global = first else {
                throw malformed("\(name) without a class")
            }
            return try instantiate(first, [], depth: depth + 1)
        }
    }

    private func setItems(_ value: PickleValue) -> [PickleValue]? {
        if case .set(let set) = value { return set.items }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\r" }).reversed())
    }
}
