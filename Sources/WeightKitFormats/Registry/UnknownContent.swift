import WeightKitCore

/// What a file no reader recognises looks like, so the message can say what the user holds: a Git LFS
/// pointer, an HTML error page, gzip data, or the first bytes.
package enum UnknownContent {
    /// Whether the first bytes read as text: UTF-8 with no control characters but whitespace.
    static func isText(_ head: [UInt8]) -> Bool {
        guard !head.isEmpty, let text = String(validating: head, as: UTF8.self) ?? String(validating: head.dropLast(3), as: UTF8.self)
        else { return false }
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 || $0 == "\n" || $0 == "\r" || $0 == "\t" }
    }

    static func describe(_ bytes: UnsafeRawBufferPointer) -> String {
        let head = Array(bytes.prefix(512))
        let text = String(decoding: head, as: UTF8.self)
        let trimmed = text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" }).lowercased()
        if trimmed.hasPrefix("version https://git-lfs") {
            return "a Git LFS pointer file, not the weights: run 'git lfs pull' to fetch the real file"
        }
        if trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") || trimmed.hasPrefix("<?xml") {
            return "an HTML page, not weights: the download probably saved an error or login page"
        }
        if bytes.isEmpty { return "an empty file" }
        if head.starts(with: [0x1F, 0x8B]) {
            return "gzip-compressed data: decompress it first"
        }
        if isText(head) {
            let line = text.prefix { $0 != "\n" && $0 != "\r" }.prefix(40)
            return "a text file (it begins \"\(line)\"), not weights"
        }
        let hex = head.prefix(16).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let printable = String(head.prefix(16).map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return "unrecognized content (first bytes: \(hex) \"\(printable)\")"
    }
}
