import WeightKitCore

/// A layout rule read the other way: from a canonical name back to the source name the rule maps onto it.
///
/// The rule's `match` is read as literal text and capture groups, its `to` as literal text, captures and
/// `{...}` expressions; a canonical name is matched against a pattern built from `to`, the captures are
/// solved for (arithmetic inverted, lookups reversed), and the source name is assembled from `match`.
/// Every candidate is then mapped forward by the same engine and kept only if it gives back the canonical
/// name exactly, so a rule that cannot be inverted yields nothing rather than a wrong name.
final class RuleInverse {
    /// A piece of the source pattern: literal text or a top-level capture group.
    private enum SourcePiece {
        case literal(String)
        case group(number: Int, pattern: String, optional: Bool)
    }

    /// What one capture group of the inverse pattern stands for.
    private enum TargetSlot {
        case capture(Int)
        case lookup(capture: Int, reverse: [String: [String]])
        /// Arithmetic over captures; all but one must come from groups with a few literal alternatives
        /// (`(0|1)`), which are tried in turn while the remaining one is solved for.
        case arithmetic(String, captures: [Int])

        func isArithmetic(over capture: Int) -> Bool {
            if case .arithmetic(_, let numbers) = self { return numbers == [capture] }
            return false
        }
    }

    private let source: [SourcePiece]
    private let inverse: Regex<AnyRegexOutput>
    /// The literal text every canonical name this rule gives starts with: a prefix test rejects most names
    /// before the regular expression runs.
    private let prefix: String
    private let slots: [TargetSlot]
    /// Capture values for groups `to` never uses: an optional literal group is written in full
    /// (`(0\.)?` gives `0.`, torchvision's current form).
    private let defaults: [Int: String]
    /// The values of groups that are a few literal alternatives (`(0|1)`, `(weight|bias)`).
    private let alternatives: [Int: [String]]
    /// Captures filled from the network being written (`reverse_captures`).
    private let derived: [(number: Int, rule: String)]
    private let table = SolutionTable()

    /// How to solve each expression (per assignment of the other captures), worked out once per mapping:
    /// affine ones directly, others (`{$1/2+1}`) from their values at 0..<1024, tabulated once, so a file of
    /// many names costs a lookup each.
    final class SolutionTable: @unchecked Sendable {
        private enum Solver {
            case affine(at0: Int, slope: Int)
            case tabulated
        }

        private var solvers: [String: Solver] = [:]
        private var tables: [String: [Int?]] = [:]

        /// The values of the expression behind `key` at 0..<1024.
        private func table(_ key: String, _ value: (Int) -> Int?) -> [Int?] {
            if let known = tables[key] { return known }
            let values = (0..<1024).map(value)
            tables[key] = values
            return values
        }

        func solve(_ key: String, wanted: Int, value: (Int) -> Int?) -> Int? {
            let solver = solvers[key] ?? {
                let solver = Self.solver(value)
                solvers[key] = solver
                return solver
            }()
            switch solver {
            case .affine(let at0, let slope):
                // A name's number is the file's: every step is checked, down to Int.min / -1.
                let (difference, overflow) = wanted.subtractingReportingOverflow(at0)
                let (remainder, remainderOverflow) = difference.remainderReportingOverflow(dividingBy: slope)
                let (quotient, quotientOverflow) = difference.dividedReportingOverflow(by: slope)
                guard !overflow, !remainderOverflow, !quotientOverflow, remainder == 0, quotient >= 0 else { return nil }
                return quotient
            case .tabulated:
                return table(key, value).firstIndex(of: wanted)
            }
        }

        /// The smallest value of one capture (0..<1024) for which every expression gives its wanted number.
        func solveJointly(_ constraints: [(expression: String, wanted: Int)], capture: Int) -> Int? {
            let tables = constraints.map { constraint in
                table(constraint.expression) { RuleInverse.evaluate(constraint.expression, [capture: String($0)]) }
            }
            return (0..<1024).first { x in zip(tables, constraints).allSatisfy { $0.0[x] == $0.1.wanted } }
        }

        private static func solver(_ value: (Int) -> Int?) -> Solver {
            if let at0 = value(0), let at1 = value(1), let at2 = value(2) {
                let (slope, slopeOverflow) = at1.subtractingReportingOverflow(at0)
                let (step, stepOverflow) = at2.subtractingReportingOverflow(at1)
                if !slopeOverflow, !stepOverflow, slope != 0, step == slope { return .affine(at0: at0, slope: slope) }
            }
            return .tabulated
        }
    }

    /// `{expression}` with the given captures (others 0), or nil where it cannot be evaluated.
    static func evaluate(_ expression: String, _ captures: [Int: String]) -> Int? {
        var list = [String](repeating: "0", count: (captures.keys.max() ?? 0) + 1)
        for (number, text) in captures { list[number] = text }
        return (try? NameTemplate(text: "{\(expression)}").expand(list)).flatMap { Int($0) }
    }

    /// Facts about the network being written that `reverse_captures` refer to.
    struct Network {
        /// The last block index of each backbone stage (`res2` -> 2).
        var lastBlock: [Int: Int] = [:]

        init(lastBlock: [Int: Int]) {
            self.lastBlock = lastBlock
        }

        func value(of rule: String, _ captures: [Int: String]) -> String? {
            if rule.hasPrefix("literal:") { return String(rule.dropFirst("literal:".count)) }
            let fields = rule.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2, fields[1].hasPrefix("$"), let number = Int(fields[1].dropFirst()),
                  let stage = captures[number].flatMap(Int.init)
            else { return nil }
            switch fields[0] {
            case "last_block":
                return lastBlock[stage].map(String.init)
            case "unless_top":
                guard fields.count == 3, let top = lastBlock.keys.max() else { return nil }
                return stage == top ? "" : fields[2]
            default:
                return nil
            }
        }
    }

    /// Nil when the rule cannot be read backwards (a pattern with wildcards outside its groups).
    init?(_ rule: LayoutDefinition.Rule) {
        guard rule.drop == nil, let template = rule.to else { return nil }
        // A template built on the whole name (`backbone.bottom_up.$0`) needs nothing from the pattern.
        guard let pieces = Self.sourcePieces(rule.match) ?? (Self.usesOnlyWholeName(template) ? [] : nil) else { return nil }
        source = pieces
        var groups: [Int: String] = [0: ".+"]
        var defaults: [Int: String] = [:]
        var alternatives: [Int: [String]] = [:]
        for case .group(let number, let pattern, let optional) in pieces {
            groups[number] = pattern
            let options = pattern.split(separator: "|", omittingEmptySubsequences: false).map { Self.literal(String($0)) }
            if options.allSatisfy({ $0 != nil }) { alternatives[number] = options.compactMap { $0 } }
            if let literal = Self.literal(pattern) ?? Self.firstAlternative(pattern) {
                defaults[number] = literal
            } else if optional {
                defaults[number] = ""
            }
        }
        var slots: [TargetSlot] = []
        var regex = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "$" {
                var end = template.index(after: index)
                while end < template.endIndex, template[end].isASCII, template[end].isNumber { end = template.index(after: end) }
                guard let number = Int(template[template.index(after: index)..<end]), let pattern = groups[number] else {
                    return nil
                }
                regex += "((?:\(Self.nonCapturing(pattern))))"
                slots.append(.capture(number))
                index = end
            } else if character == "{", let close = template[index...].firstIndex(of: "}") {
                let expression = String(template[template.index(after: index)..<close])
                guard let (pattern, slot) = Self.expressionSlot(expression) else { return nil }
                regex += pattern
                slots.append(slot)
                index = template.index(after: close)
            } else {
                regex += Self.escaped(String(character))
                index = template.index(after: index)
            }
        }
        guard let compiled = try? Regex(regex) else { return nil }
        inverse = compiled
        prefix = String(template.prefix { $0 != "$" && $0 != "{" })
        self.slots = slots
        self.defaults = defaults
        self.alternatives = alternatives
        derived = (rule.reverseCaptures ?? [:]).compactMap { key, value in Int(key).map { ($0, value) } }.sorted { $0.0 < $1.0 }
    }

    /// The source name (before any target prefix) this rule could map onto `canonical`; it still has to be
    /// checked by mapping it forward.
    func candidate(for canonical: String, in network: Network) -> String? {
        guard canonical.hasPrefix(prefix), let match = canonical.wholeMatch(of: inverse) else { return nil }
        let values = match.output.dropFirst().map { $0.substring.map(String.init) ?? "" }
        guard values.count == slots.count, var captures = solve(values) else { return nil }
        if let whole = captures.values[0], captures.assigned.contains(0) { return whole }
        for (number, rule) in derived {
            guard let value = network.value(of: rule, captures.values) else { return nil }
            captures.values[number] = value
        }
        var name = ""
        for piece in source {
            switch piece {
            case .literal(let text):
                name += text
            case .group(let number, _, _):
                guard let value = captures.values[number] else { return nil }
                name += value
            }
        }
        return name
    }

    /// Capture values as they are solved: a capture used twice in `to` must be given one value.
    private struct Captures {
        var values: [Int: String]
        var assigned = Set<Int>()

        mutating func assign(_ number: Int, _ value: String) -> Bool {
            if assigned.contains(number), values[number] != value { return false }
            assigned.insert(number)
            values[number] = value
            return true
        }
    }

    /// The captures that give `values` for the inverse pattern's groups, or nil when none do.
    private func solve(_ values: [String]) -> Captures? {
        var captures = Captures(values: defaults)
        var joint: [Int: [(expression: String, wanted: Int)]] = [:]
        for (slot, value) in zip(slots, values) {
            switch slot {
            case .capture(let number):
                guard captures.assign(number, value) else { return nil }
            case .lookup(let number, let reverse):
                // Of the keys giving this value, the first the source group can hold.
                guard let keys = reverse[value],
                      let key = keys.first(where: { alternatives[number]?.contains($0) ?? true }) ?? keys.first,
                      captures.assign(number, key)
                else { return nil }
            case .arithmetic(let expression, let numbers):
                guard let wanted = Int(value) else { return nil }
                // One free capture behind several expressions (gluon's block {($3-4)/3+1} and conv
                // {($3-4)%3+1}): solved jointly, once all its expressions are known.
                if numbers.count == 1, alternatives[numbers[0]] == nil,
                   slots.filter({ $0.isArithmetic(over: numbers[0]) }).count > 1
                {
                    joint[numbers[0], default: []].append((expression, wanted))
                    continue
                }
                guard let solution = Self.solve(expression, numbers, equals: wanted, alternatives: alternatives, table: table),
                      solution.allSatisfy({ captures.assign($0.0, $0.1) })
                else { return nil }
            }
        }
        for (number, constraints) in joint {
            guard let x = table.solveJointly(constraints, capture: number), captures.assign(number, String(x)) else { return nil }
        }
        return captures
    }

    // MARK: Reading the source pattern

    /// Literal text and top-level groups of an anchored pattern; nil if anything else appears outside groups.
    private static func sourcePieces(_ pattern: String) -> [SourcePiece]? {
        var characters = Array(pattern)
        guard characters.first == "^", characters.last == "$" else { return nil }
        characters = Array(characters.dropFirst().dropLast())
        var pieces: [SourcePiece] = []
        var literal = ""
        var groupNumber = 0
        var position = 0
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
        }
        while position < characters.count {
            let character = characters[position]
            switch character {
            case "\\":
                guard position + 1 < characters.count, ".[](){}*+?|$^/-_\\".contains(characters[position + 1]) else {
                    return nil
                }
                literal.append(characters[position + 1])
                position += 2
            case "(":
                guard position + 1 < characters.count, characters[position + 1] != "?" else { return nil }
                var depth = 0, end = position, nested = 0
                while end < characters.count {
                    if characters[end] == "\\" { end += 2; continue }
                    if characters[end] == "(" { depth += 1; nested += 1 }
                    if characters[end] == ")" { depth -= 1; if depth == 0 { break } }
                    end += 1
                }
                guard end < characters.count else { return nil }
                flush()
                groupNumber += 1
                let optional = end + 1 < characters.count && characters[end + 1] == "?"
                pieces.append(.group(number: groupNumber, pattern: String(characters[(position + 1)..<end]), optional: optional))
                // Groups nested inside count too, but only top-level ones are assembled.
                groupNumber += nested - 1
                position = end + (optional ? 2 : 1)
            case ".", "[", "]", "*", "+", "?", "|", "{", "}", "^", "$", ")":
                return nil
            default:
                literal.append(character)
                position += 1
            }
        }
        flush()
        return pieces
    }

    /// The text a group matches when it is literal (`0\.` is `0.`), else nil.
    private static func literal(_ pattern: String) -> String? {
        var text = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                guard let escaped = characters.next(), ".[](){}*+?|$^/-_\\".contains(escaped) else { return nil }
                text.append(escaped)
            } else if ".[](){}*+?|$^".contains(character) {
                return nil
            } else {
                text.append(character)
            }
        }
        return text
    }

    private static func firstAlternative(_ pattern: String) -> String? {
        guard pattern.contains("|") else { return nil }
        return pattern.split(separator: "|", omittingEmptySubsequences: false).first.flatMap { literal(String($0)) }
    }

    /// `pattern` with its groups made non-capturing, so it can sit inside one capture of another pattern.
    private static func nonCapturing(_ pattern: String) -> String {
        var result = ""
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            result.append(character)
            if character == "\\", let next = characters.popFirst() {
                result.append(next)
            } else if character == "(", characters.first != "?" {
                result += "?:"
            }
        }
        return result
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if ".[](){}*+?|$^\\/".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    // MARK: Expressions

    /// The inverse pattern of `{expression}`: a lookup's values, or a number for arithmetic over one capture.
    private static func expressionSlot(_ expression: String) -> (String, TargetSlot)? {
        if let bar = expression.firstIndex(of: "|") {
            let key = expression[..<bar]
            guard key.hasPrefix("$"), let number = Int(key.dropFirst()) else { return nil }
            var reverse: [String: [String]] = [:]
            var values: [String] = []
            for pair in expression[expression.index(after: bar)...].split(separator: "|") {
                let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { return nil }
                // Several keys may give one value (`moving_mean:running_mean|running_mean:running_mean`).
                if reverse[parts[1]] == nil { values.append(escaped(parts[1])) }
                reverse[parts[1], default: []].append(parts[0])
            }
            return ("(" + values.joined(separator: "|") + ")", .lookup(capture: number, reverse: reverse))
        }
        let numbers = Set(expression.split(whereSeparator: { !$0.isNumber && $0 != "$" })
            .filter { $0.hasPrefix("$") }.compactMap { Int($0.dropFirst()) }).sorted()
        guard !numbers.isEmpty else { return nil }
        return ("(-?[0-9]+)", .arithmetic(expression, captures: numbers))
    }

    private static func usesOnlyWholeName(_ template: String) -> Bool {
        guard template.contains("$0") else { return false }
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            guard rest.first == "0", rest.dropFirst().first.map({ !$0.isNumber }) ?? true else { return false }
        }
        return !template.contains("{")
    }

    /// Values of `numbers` for which `expression` evaluates to `wanted`, as (capture, value) pairs: every
    /// capture but one is taken from its group's literal alternatives; the last is solved directly when the
    /// expression is affine in it, else looked up among the values of 0 to 1023.
    private static func solve(
        _ expression: String, _ numbers: [Int], equals wanted: Int, alternatives: [Int: [String]], table: SolutionTable
    ) -> [(Int, String)]? {
        let free = numbers.filter { alternatives[$0] == nil }
        guard free.count <= 1 else { return nil }
        let unknown = free.first ?? numbers[numbers.count - 1]
        let fixed = numbers.filter { $0 != unknown }
        var assignments: [[Int: String]] = [[:]]
        for number in fixed {
            guard let options = alternatives[number] else { return nil }
            assignments = assignments.flatMap { partial in options.map { partial.merging([number: $0]) { $1 } } }
            guard assignments.count <= 256 else { return nil }
        }
        for assignment in assignments {
            func value(_ x: Int) -> Int? { evaluate(expression, assignment.merging([unknown: String(x)]) { $1 }) }
            let key = expression + "|" + assignment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard let x = table.solve(key, wanted: wanted, value: value), value(x) == wanted else { continue }
            if let options = alternatives[unknown], !options.contains(String(x)) { continue }
            return assignment.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [(unknown, String(x))]
        }
        return nil
    }
}
