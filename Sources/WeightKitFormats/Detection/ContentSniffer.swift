import WeightKitCore

/// What the first bytes of a file say it is. Detection never looks at the file name.
package enum SniffedContent: Equatable {
    case safetensors
    case zipArchive
    case pytorchLegacy
    case pickle
    case numpyNpy
    case mxnetParams
    case tarArchive
    case unrecognized(String)
}

package enum ContentSniffer {
    /// The LONG1 opcode carrying torch's legacy magic number 0x1950a86a20f9469cfc6c, after PROTO 2.
    static let legacyTorchPrefix: [UInt8] = [
        0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19,
    ]

    static func sniff(_ bytes: UnsafeRawBufferPointer) -> SniffedContent {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + prefix.count else { return false }
            return zip(prefix.indices, prefix).allSatisfy { bytes[offset + $0] == $1 }
        }
        if starts(with: [0x50, 0x4B, 0x03, 0x04]) || starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return .zipArchive
        }
        if starts(with: legacyTorchPrefix) { return .pytorchLegacy }
        if starts(with: [0x93] + Array("NUMPY".utf8)) { return .numpyNpy }
        if bytes.count >= 8 {
            let head = bytes.loadUnaligned(as: UInt64.self).littleEndian
            if head == 0x112 { return .mxnetParams }
            // A JSON object after an 8-byte length: the safetensors reader judges the length itself.
            if bytes.count > 8, bytes[8] == UInt8(ascii: "{") {
                return .safetensors
            }
        }
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return .pickle }
        if starts(with: Array("ustar".utf8), at: 257) { return .tarArchive }
        if looksLikeTextPickle(bytes) { return .pickle }
        return .unrecognized(describeUnknown(bytes))
    }

    /// Protocol 0 and 1 pickles have no header; they open a container or name a global and end with STOP.
    private static func looksLikeTextPickle(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, let last = bytes.last, last == UInt8(ascii: ".") else { return false }
        return [UInt8(ascii: "("), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "c")].contains(first)
    }

    private static func describeUnknown(_ bytes: UnsafeRawBufferPointer) -> String {
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
