import WeightKitCore

/// One execution of the machine: stack, marks, memo and the arena of built containers.
package final class PickleRun {
    let machine: PickleMachine
    let data: TensorData
    let baseOffset: Int
    let budget: ReadBudget
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    var arena: [PickleContainer] = []
    /// `_codecs.encode` results by the text they encoded: a memoised string referenced many times is
    /// validated and decoded once.
    var encoded: [TensorData.ViewKey: PickleValue] = [:]
    var declaredProtocol = 0
    var persistentIDs: [PickleValue] = []
    /// File offset of the opcode being executed.
    var opcodeOffset = 0

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

    func malformed(_ reason: String) -> WeightKitError {
        WeightKitError(.malformed, reason, location: .init(byteOffset: opcodeOffset))
    }

    func refused(_ kind: WeightKitError.Kind, _ reason: String) -> WeightKitError {
        WeightKitError(kind, reason, location: .init(byteOffset: opcodeOffset))
    }

    // MARK: - Building values

    func count() throws(WeightKitError) {
        do {
            try budget.charge(values: 1, for: "a pickle value")
        } catch {
            throw located(error)
        }
    }

    /// Charges `steps` of work (hashing, validating, parsing) done for `what`.
    func work(_ steps: Int, _ what: @autoclosure () -> String) throws(WeightKitError) {
        do {
            try budget.charge(work: steps, for: what())
        } catch {
            throw located(error)
        }
    }

    /// Charges `count` bytes copied out of the pickle for `what`.
    func produce(_ count: Int, _ what: @autoclosure () -> String) throws(WeightKitError) {
        do {
            try budget.charge(bytes: count, for: what())
        } catch {
            throw located(error)
        }
    }

    func located(_ error: WeightKitError) -> WeightKitError {
        var located = error
        if located.location.byteOffset == nil { located.location.byteOffset = opcodeOffset }
        return located
    }

    /// Adds a container to the arena. Its depth comes from `source` when it holds the items of that
    /// container (a call's arguments tuple, whose depth is known: one memoised tuple of a million
    /// arguments may be called with many times), else from `items`.
    func keep<Container: PickleContainer>(
        _ container: Container, holding items: [PickleValue] = [], from source: PickleValue? = nil
    ) throws(WeightKitError) -> Container {
        try count()
        arena.append(container)
        if let source {
            container.depth = source.depth
        } else {
            try deepen(container, by: items)
        }
        return container
    }

    /// Charges, before a call builds it, a container of `count` items copied from another one: a memoised
    /// list passed to `OrderedDict`, `set` or `tuple` again and again is copied each time (now, or when
    /// either is next appended to), so each call costs its items, not one value.
    func copying(_ count: Int, itemBytes: Int, _ what: @autoclosure () -> String) throws(WeightKitError) {
        do {
            try budget.charge(values: count, for: what())
            let (bytes, overflow) = count.multipliedReportingOverflow(by: itemBytes)
            try budget.charge(bytes: overflow ? Int.max : bytes, for: what())
        } catch {
            throw located(error)
        }
    }

    /// Records that `container` now holds `items`; refuses nesting past the limit as it is built. Each
    /// item is a step: a call may be handed one memoised tuple of a million arguments many times.
    func deepen(_ container: PickleContainer, by items: [PickleValue]) throws(WeightKitError) {
        try work(items.count, "nesting \(items.count) values")
        for item in items where item.depth >= container.depth {
            container.depth = item.depth + 1
        }
        guard container.depth <= machine.limits.maximumNesting else {
            throw refused(.limitExceeded, "objects nested deeper than \(machine.limits.maximumNesting) levels")
        }
    }

    func push(_ value: PickleValue) throws(WeightKitError) {
        try count()
        stack.append(value)
    }

    func pop() throws(WeightKitError) -> PickleValue {
        guard let top = stack.popLast() else { throw malformed("stack underflow") }
        if let mark = marks.last, stack.count < mark { throw malformed("stack underflow past a MARK") }
        return top
    }

    func top() throws(WeightKitError) -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else {
            throw malformed("stack is empty")
        }
        return value
    }

    func popToMark() throws(WeightKitError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    func tuple(_ items: [PickleValue]) throws(WeightKitError) -> PickleValue {
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
                return try finish(at: start + reader.position, of: bytes.count, mustEndAtSTOP: mustEndAtSTOP)
            }
            try dispatch(opcode, &reader)
        }
    }

    /// STOP: the one value left on the stack, with the containers it holds.
    private func finish(at end: Int, of count: Int, mustEndAtSTOP: Bool) throws(WeightKitError) -> PickleResult {
        guard marks.isEmpty else { throw malformed("STOP with an open MARK") }
        guard stack.count == 1, let value = stack.first else {
            throw malformed("STOP with \(stack.count) values on the stack instead of 1")
        }
        if mustEndAtSTOP, end != count {
            throw WeightKitError(.malformed, "\(count - end) bytes follow the pickle's STOP", location: .init(byteOffset: baseOffset + end))
        }
        let result = PickleResult(
            value: value, end: end, declaredProtocol: declaredProtocol, persistentIDs: persistentIDs, arena: arena)
        stack = []
        memo = [:]
        arena = []
        return result
    }
}
