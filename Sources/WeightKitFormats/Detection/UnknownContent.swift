import WeightKitCore

/// What a file no reader recognises looks like, so the message can say what the user holds: a Git LFS
/// pointer, an HTML error page, gzip data, or the first bytes.
package enum UnknownContent {
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
        let hex = head.prefix(16).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let printable = String(head.prefix(16).map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return "unrecognized content (first bytes: \(hex) \"\(printable)\")"
    }
}
