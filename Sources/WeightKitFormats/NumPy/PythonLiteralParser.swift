import WeightKitCore

/// Parses the few Python literals `.npy` headers use: dicts, tuples, lists, strings, ints, True/False/None.
package struct PythonLiteralParser {
    enum Value {
        case dict([String: Value])
        case tuple([Value])
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func parse() throws(WeightKitError) -> Value {
        let value = try parseValue()
        skipSpace()
        guard index == scalars.count else { throw failure("unexpected text after the header dict") }
        return value
    }

    private func failure(_ reason: String) -> WeightKitError {
        WeightKitError(.malformed, "npy header: \(reason)")
    }

    private mutating func skipSpace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    private mutating func parseValue() throws(WeightKitError) -> Value {
        skipSpace()
        guard index < scalars.count else { throw failure("ends early") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 16 else { throw failure("nested too deeply") }
        switch scalars[index] {
        case "{": return try parseDict()
        case "(": return try parseSequence(closedBy: ")")
        case "[": return try parseSequence(closedBy: "]")
        case "'", "\"": return try parseString()
        default: return try parseWord()
        }
    }

    private mutating func parseDict() throws(WeightKitError) -> Value {
        index += 1
        var fields: [String: Value] = [:]
        while true {
            skipSpace()
            if index < scalars.count, scalars[index] == "}" {
                index += 1
                return .dict(fields)
            }
            guard case .string(let key) = try parseValue() else { throw failure("dict key is not a string") }
            skipSpace()
            guard index < scalars.count, scalars[index] == ":" else { throw failure("expected ':'") }
            index += 1
            fields[key] = try parseValue()
            skipSpace()
            if index < scalars.count, scalars[index] == "," { index += 1 }
        }
    }

    private mutating func parseSequence(closedBy close: Unicode.Scalar) throws(WeightKitError) -> Value {
        index += 1
        var items: [Value] = []
        while true {
            skipSpace()
            if index < scalars.count, scalars[index] == close {
                index += 1
                return .tuple(items)
            }
            items.append(try parseValue())
            skipSpace()
            if index < scalars.count, scalars[index] == "," { index += 1 }
        }
    }

    private mutating func parseString() throws(WeightKitError) -> Value {
        let quote = scalars[index]
        index += 1
        var text = String.UnicodeScalarView()
        while index < scalars.count, scalars[index] != quote {
            text.append(scalars[index])
            index += 1
        }
        guard index < scalars.count else { throw failure("unterminated string") }
        index += 1
        return .string(String(text))
    }

    /// `True`, `False`, `None` or an integer (Python 2 may write `3L`).
    private mutating func parseWord() throws(WeightKitError) -> Value {
        var word = ""
        while index < scalars.count, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index])
            || scalars[index] == "-" || scalars[index] == "L" {
            word.unicodeScalars.append(scalars[index])
            index += 1
        }
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            guard let value = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) else {
                throw failure("unexpected '\(word)'")
            }
            return .int(value)
        }
    }
}
