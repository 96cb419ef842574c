import WeightKitCore

/// Visits a pickle's object graph depth-first in insertion order without recursion. Each container is
/// entered once, however many references share it, and its members are listed only then, so memo bombs
/// and a namespace referenced under every key cost linear time; nesting deeper than the limit is an error
/// rather than a stack overflow.
package struct PickleWalker {
    /// What to do with an object the machine recorded; decided once per reference, so it must be cheap.
    enum ObjectVisit {
        /// Report the object itself to the visitor (a tensor).
        case leaf
        /// Walk its named members (a module's attributes, a namespace's fields), as `members` lists them.
        case members
        /// Neither report nor enter it.
        case skip
    }

    let maximumNesting: Int
    /// Decides how objects are walked.
    let classify: (PickleObject) -> ObjectVisit
    /// The named members of an object `classify` says to walk into, listed when it is first entered.
    var members: (PickleObject, PickleWalker) throws(WeightKitError) -> [(String, PickleValue)] = { _, _ in [] }
    /// Charged for every path component copied: paths are copied per member, so deep and wide graphs cost
    /// depth times width.
    var budget: ReadBudget? = nil
    /// Dict keys' text, decoded once however many dicts share a key.
    private let keyTexts = KeyTexts()

    /// Calls `visit` with the path and value of every leaf: scalars, strings, bytes and leaf objects.
    /// `enter` may refuse to descend into a container at a path (return false).
    func walk(
        _ root: PickleValue,
        enter: ([String], PickleValue) -> Bool = { _, _ in true },
        visit: ([String], PickleValue) throws(WeightKitError) -> Void
    ) throws(WeightKitError) {
        var pending: [(path: [String], value: PickleValue)] = [([], root)]
        var entered = Set<ObjectIdentifier>()
        while let (path, value) = pending.popLast() {
            guard path.count <= maximumNesting else {
                throw WeightKitError(.limitExceeded, "objects nested deeper than \(maximumNesting) levels")
            }
            guard let identity = container(value) else {
                try visit(path, value)
                continue
            }
            guard let identity, !entered.contains(identity), enter(path, value) else { continue }
            entered.insert(identity)
            let members = try self.members(of: value)
            let (steps, overflow) = members.count.multipliedReportingOverflow(by: path.count + 1)
            try budget?.charge(work: overflow ? Int.max : steps, for: "naming \(members.count) nested values")
            for (name, member) in members.reversed() {
                pending.append((path + [name], member))
            }
        }
    }

    /// nil for a leaf, which is visited; the identity of a container to enter, or `.some(nil)` for an
    /// object neither visited nor entered.
    private func container(_ value: PickleValue) -> ObjectIdentifier?? {
        switch value {
        case .dict(let dict): return .some(ObjectIdentifier(dict))
        case .list(let list), .set(let list): return .some(ObjectIdentifier(list))
        case .tuple(let tuple): return .some(ObjectIdentifier(tuple))
        case .object(let object):
            switch classify(object) {
            case .leaf: return nil
            case .skip: return .some(nil)
            case .members: return .some(ObjectIdentifier(object))
            }
        default: return nil
        }
    }

    /// The named members of a container being entered.
    private func members(of value: PickleValue) throws(WeightKitError) -> [(String, PickleValue)] {
        switch value {
        case .dict(let dict): return try named(dict.entries)
        case .list(let list), .set(let list): return list.items.enumerated().map { (String($0.offset), $0.element) }
        case .tuple(let tuple): return tuple.items.enumerated().map { (String($0.offset), $0.element) }
        case .object(let object): return try members(object, self)
        default: return []
        }
    }

    /// Dict entries under their keys' text.
    func named(_ entries: some Sequence<(key: PickleValue, value: PickleValue)>) throws(WeightKitError)
        -> [(String, PickleValue)]
    {
        var members: [(String, PickleValue)] = []
        for entry in entries { members.append((try keyText(entry.key), entry.value)) }
        return members
    }

    /// `keyText(_:)` for a key of this walk: a large key is decoded (and charged) once per walk.
    func keyText(_ key: PickleValue) throws(WeightKitError) -> String {
        try keyTexts.text(of: key, budget: budget)
    }

    /// How a dict key reads in a dotted path.
    static func keyText(_ key: PickleValue) -> String {
        if let text = key.text { return text }
        switch key {
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        case .float(let number): return String(number)
        case .none: return "None"
        default: return "<\(key.kindName)>"
        }
    }

    /// The UTF-8 bytes `scalarText` would give, at most, known before anything is decoded; nil for values
    /// that are not metadata.
    static func textSize(_ value: PickleValue) -> Int? {
        switch value {
        case .bool, .int, .float: return 24
        case .string(let string): return string.utf8.count
        case .utf8Text(let data): return data.count
        // Latin-1 takes up to two bytes per character in UTF-8.
        case .binaryString(let data): return 2 * data.count
        default: return nil
        }
    }

    /// A scalar as Python's `str()` shows it, or nil for values that are not metadata.
    static func scalarText(_ value: PickleValue) -> String? {
        switch value {
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .float(let number): return String(number)
        case .string, .binaryString, .utf8Text: return value.text
        default: return nil
        }
    }
}

/// Decoded text of large dict keys, by the bytes they view: many dicts may share one memoised key of
/// megabytes, and decoding it for each would multiply its size.
private final class KeyTexts {
    private var known: [TensorData.ViewKey: String] = [:]

    func text(of key: PickleValue, budget: ReadBudget?) throws(WeightKitError) -> String {
        let data: TensorData
        switch key {
        case .utf8Text(let bytes), .binaryString(let bytes): data = bytes
        default: return PickleWalker.keyText(key)
        }
        let viewKey = data.viewKey
        if let viewKey, let text = known[viewKey] { return text }
        try budget?.charge(work: data.count, for: "decoding a \(data.count)-byte dict key")
        let text = PickleWalker.keyText(key)
        if let viewKey { known[viewKey] = text }
        return text
    }
}
