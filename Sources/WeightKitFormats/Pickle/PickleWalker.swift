import WeightKitCore

/// Visits a pickle's object graph depth-first in insertion order without recursion. Each container is
/// entered once, however many references share it, so memo bombs cost linear time; nesting deeper than
/// the limit is an error rather than a stack overflow.
package struct PickleWalker {
    /// What to do with an object the machine recorded.
    enum ObjectVisit {
        /// Report the object itself to the visitor (a tensor).
        case leaf
        /// Walk these named members (a module's attributes, a namespace's fields).
        case members([(String, PickleValue)])
        /// Neither report nor enter it.
        case skip
    }

    let maximumNesting: Int
    /// Decides how objects are walked.
    let classify: (PickleObject) throws(WeightKitError) -> ObjectVisit
    /// Charged for every path component copied: paths are copied per member, so deep and wide graphs cost
    /// depth times width.
    var budget: ReadBudget? = nil

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
            let members: [(String, PickleValue)]
            let identity: ObjectIdentifier
            switch value {
            case .dict(let dict):
                identity = ObjectIdentifier(dict)
                members = dict.entries.map { (Self.keyText($0.key), $0.value) }
            case .list(let list), .set(let list):
                identity = ObjectIdentifier(list)
                members = list.items.enumerated().map { (String($0.offset), $0.element) }
            case .tuple(let tuple):
                identity = ObjectIdentifier(tuple)
                members = tuple.items.enumerated().map { (String($0.offset), $0.element) }
            case .object(let object):
                switch try classify(object) {
                case .leaf:
                    try visit(path, value)
                    continue
                case .skip:
                    continue
                case .members(let named):
                    identity = ObjectIdentifier(object)
                    members = named
                }
            default:
                try visit(path, value)
                continue
            }
            guard enter(path, value), entered.insert(identity).inserted else { continue }
            let (steps, overflow) = members.count.multipliedReportingOverflow(by: path.count + 1)
            try budget?.charge(work: overflow ? Int.max : steps, for: "naming \(members.count) nested values")
            for (name, member) in members.reversed() {
                pending.append((path + [name], member))
            }
        }
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
