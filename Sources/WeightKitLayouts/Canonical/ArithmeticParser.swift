import WeightKitCore

/// Integer arithmetic over captures: `+ - * / %`, parentheses, numbers and `$N`.
struct ArithmeticParser {
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

    /// The largest number in a name that arithmetic is done on: no network has a hundred thousand stages,
    /// blocks or levels, and a 19-digit index would give names no framework can load, or overflow.
    static let maximumIndex = 100_000

    /// A number in the tensor name (a capture) that does not fit, or arithmetic on it that overflows: the
    /// file's fault, not the layout's.
    private func outOfRange() -> WeightKitError {
        WeightKitError(
            .malformed,
            "layout expression '{\(expression)}' is out of range for the numbers in this name (\(captures.first ?? "")):"
                + " indices above \(Self.maximumIndex) are refused")
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
        guard value <= Self.maximumIndex else { throw outOfRange() }
        return value
    }
}
