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
            } else if characters[index...].starts(with: wanted) {
                return true
            }
            index += 1
        }
        return false
    }
}
