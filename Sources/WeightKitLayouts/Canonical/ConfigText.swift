/// A training config as Python (mmdetection's `meta.config`) or YAML (Detectron's `cfg`) text, read only as
/// far as telling code from comments and string literals: what a setting says is in the code.
struct ConfigText {
    let characters: [Character]

    init(_ text: String) {
        characters = Array(text)
    }

    /// Whether `needle` starts somewhere outside a comment and outside a string literal.
    func codeContains(_ needle: String) -> Bool {
        let wanted = Array(needle)
        guard !wanted.isEmpty, wanted.count <= characters.count else { return false }
        var found = false
        forEachCodePosition { index in
            found = characters[index...].starts(with: wanted)
            return found ? characters.count : nil
        }
        return found
    }

    /// The value of every code occurrence of the setting `name` (a whole name, then `separator` with
    /// optional spaces around it; `==` is a comparison, not a setting): a quoted literal with its quotes, else
    /// the text up to a comma, bracket, comment or line end.
    func codeValues(of name: String, separator: Character) -> [String] {
        let wanted = Array(name)
        var values: [String] = []
        forEachCodePosition { index in
            guard characters[index...].starts(with: wanted), index == 0 || !Self.isNameCharacter(characters[index - 1]),
                  let start = valueStart(after: index + wanted.count, separator: separator)
            else { return nil }
            values.append(value(at: start))
            return start
        }
        return values
    }

    /// Calls `visit` at every position outside comments and string literals, in order; where it returns an
    /// index, the scan resumes there.
    private func forEachCodePosition(_ visit: (Int) -> Int?) {
        var quote: Character?
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == "\\" { index += 2; continue }
                if character == open || character == "\n" { quote = nil }
            } else if character == "#" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if let resume = visit(index) {
                index = resume
                continue
            }
            index += 1
        }
    }

    /// Where a setting's value starts when `separator` follows `index` (spaces allowed around it).
    private func valueStart(after index: Int, separator: Character) -> Int? {
        var position = index
        while position < characters.count, characters[position] == " " { position += 1 }
        guard position < characters.count, characters[position] == separator else { return nil }
        position += 1
        if separator == "=", position < characters.count, characters[position] == "=" { return nil }
        return position
    }

    /// A value with double quotes written as single ones, so `"caffe"` and `'caffe'` compare equal.
    static func normalized(_ value: String) -> String {
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return value }
        return "'" + value.dropFirst().dropLast() + "'"
    }

    /// The value that starts at `start`, spaces before it skipped.
    private func value(at start: Int) -> String {
        var index = start
        while index < characters.count, characters[index] == " " { index += 1 }
        guard index < characters.count else { return "" }
        let open = characters[index]
        if open == "'" || open == "\"" {
            var end = index + 1
            while end < characters.count, characters[end] != open, characters[end] != "\n" { end += characters[end] == "\\" ? 2 : 1 }
            return String(characters[index..<min(end + 1, characters.count)])
        }
        var end = index
        while end < characters.count, !",)]}#\n".contains(characters[end]) { end += 1 }
        return String(characters[index..<end]).trimmingTrailingSpaces
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}

private extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " || text.last == "\r" { text.removeLast() }
        return text
    }
}
