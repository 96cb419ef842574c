import WeightKitCore

/// Expands a rule's `to` template with the captures of its match.
///
/// `$N` is capture N (`$0` the whole name). `{...}` is either integer arithmetic over captures with
/// `+ - * / %` and parentheses, or a lookup `{$N|from:to|from:to}`.
package struct NameTemplate {
    let text: String

    func expand(_ captures: [String]) throws(WeightKitError) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "$", let (number, next) = captureNumber(after: index) {
                output += try capture(number, captures)
                index = next
            } else if character == "{", let close = text[index...].firstIndex(of: "}") {
                output += try evaluate(String(text[text.index(after: index)..<close]), captures)
                index = text.index(after: close)
            } else {
                output.append(character)
                index = text.index(after: index)
            }
        }
        return output
    }

    private func captureNumber(after dollar: String.Index) -> (Int, String.Index)? {
        var end = text.index(after: dollar)
        while end < text.endIndex, text[end].isASCII, text[end].isNumber { end = text.index(after: end) }
        guard let number = Int(text[text.index(after: dollar)..<end]) else { return nil }
        return (number, end)
    }

    private func capture(_ number: Int, _ captures: [String]) throws(WeightKitError) -> String {
        guard captures.indices.contains(number) else {
            throw WeightKitError(.invalidArgument, "layout template '\(text)' uses capture $\(number), which its pattern lacks")
        }
        return captures[number]
    }

    private func evaluate(_ expression: String, _ captures: [String]) throws(WeightKitError) -> String {
        if let bar = expression.firstIndex(of: "|") {
            let key = try NameTemplate(text: String(expression[..<bar])).expand(captures)
            for pair in expression[expression.index(after: bar)...].split(separator: "|") {
                let parts = pair.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0] == key { return String(parts[1]) }
            }
            throw WeightKitError(.invalidArgument, "layout lookup '{\(expression)}' has no entry for '\(key)'")
        }
        var parser = ArithmeticParser(expression: expression, captures: captures)
        return String(try parser.parse())
    }
}

/// Integer arithmetic over captures: `+ - * / %`, parentheses, numbers and `$N`.
private struct ArithmeticParser {
    let characters: [Character]
    let captures: [String]
    var position = 0
    let expression: String

    init(expression: String, captures: [String]) {
        self.expression = expression
        self.characters = Array(expression.filter { $0 != " " })
        self.captures = captures
    }

    private func failure() -> WeightKitError {
        WeightKitError(.invalidArgument, "layout expression '{\(expression)}' cannot be evaluated for \(captures)")
    }

    /// A number in the tensor name (a capture) that does not fit, or arithmetic on it that overflows: the
    /// file's fault, not the layout's.
    private func outOfRange() -> WeightKitError {
        WeightKitError(.malformed, "layout expression '{\(expression)}' is out of range for the numbers in this name")
    }

    private func checked(_ result: (partialValue: Int, overflow: Bool)) throws(WeightKitError) -> Int {
        guard !result.overflow else { throw outOfRange() }
        return result.partialValue
    }

    mutating func parse() throws(WeightKitError) -> Int {
        let value = try sum()
        guard position == characters.count else { throw failure() }
        return value
    }

    private mutating func sum() throws(WeightKitError) -> Int {
        var value = try product()
        while position < characters.count, characters[position] == "+" || characters[position] == "-" {
            let plus = characters[position] == "+"
            position += 1
            let right = try product()
            value = try checked(plus ? value.addingReportingOverflow(right) : value.subtractingReportingOverflow(right))
        }
        return value
    }

    private mutating func product() throws(WeightKitError) -> Int {
        var value = try atom()
        while position < characters.count, "*/%".contains(characters[position]) {
            let operation = characters[position]
            position += 1
            let right = try atom()
            if operation == "*" {
                value = try checked(value.multipliedReportingOverflow(by: right))
            } else {
                guard right != 0 else { throw failure() }
                value = try checked(operation == "/" ? value.dividedReportingOverflow(by: right)
                                        : value.remainderReportingOverflow(dividingBy: right))
            }
        }
        return value
    }

    private mutating func atom() throws(WeightKitError) -> Int {
        guard position < characters.count else { throw failure() }
        if characters[position] == "(" {
            position += 1
            let value = try sum()
            guard position < characters.count, characters[position] == ")" else { throw failure() }
            position += 1
            return value
        }
        var isCapture = false
        if characters[position] == "$" {
            isCapture = true
            position += 1
        }
        let start = position
        while position < characters.count, characters[position].isNumber { position += 1 }
        guard let number = Int(String(characters[start..<position])) else { throw failure() }
        guard isCapture else { return number }
        guard captures.indices.contains(number) else { throw failure() }
        guard let value = Int(captures[number]) else {
            throw captures[number].allSatisfy(\.isNumber) && !captures[number].isEmpty ? outOfRange() : failure()
        }
        return value
    }
}
