import Glibc

/// Command-line arguments as the process received them. Swift decodes them as UTF-8 and replaces bytes that
/// are not with U+FFFD, so a path in another encoding would name another file: such an argument is
/// refused instead, its bytes shown.
enum ArgumentEncoding {
    /// The first argument that is not valid UTF-8, with its invalid bytes written `\xNN`; nil when all are.
    static func firstInvalidArgument() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
            if String(validating: bytes, as: UTF8.self) == nil { return escaped(bytes) }
        }
        return nil
    }

    /// `bytes` with every byte outside printable ASCII written `\xNN`.
    private static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            guard !(0x20..<0x7F).contains(byte) || byte == UInt8(ascii: "\\") else { return String(UnicodeScalar(byte)) }
            return (byte < 16 ? "\\x0" : "\\x") + String(byte, radix: 16)
        }.joined()
    }
}
