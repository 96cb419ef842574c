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
