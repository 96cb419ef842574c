import WeightKitCore

/// The SHA-256 prefix torch.hub, timm and mmdetection's `publish_model` put in a file's name
/// (`resnet50-0676ba61.pth`, `..._20220311_011856-5fa2fde5.pth`), checked against the file's content: a
/// mismatch means a corrupt or different download.
public struct NamedDigest: Sendable, Equatable {
    /// The hex digits the name promises.
    public let promised: String
    /// The file's SHA-256, in hex.
    public let actual: String

    /// Whether the file's digest starts with the digits its name promises.
    public var matches: Bool { actual.hasPrefix(promised) }

    /// The hex digits after the last `-` of the file name, before its extension, when there are 8 to 64
    /// of them.
    ///
    /// - Parameter path: the file's path.
    /// - Returns: the promised digits, lowercased, or nil when the name carries none.
    public static func promisedDigits(inName path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.firstIndex(of: "."), let dash = name[..<dot].lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)..<dot]
        guard (8...64).contains(digits.count), digits.allSatisfy({ $0.isHexDigit }) else { return nil }
        return digits.lowercased()
    }

    /// Compares the SHA-256 of the file at `path` with the digits its name promises.
    ///
    /// - Parameter path: the file's path.
    /// - Returns: the comparison, or nil when the name promises no digest (nothing is read then).
    /// - Throws: `WeightKitError` when the file cannot be read.
    public static func check(_ path: String) throws(WeightKitError) -> NamedDigest? {
        guard let promised = promisedDigits(inName: path) else { return nil }
        let digest = SourceDigest(try MappedFile(path: path))
        return NamedDigest(promised: promised, actual: try digest.value())
    }

    /// The line a user reads: that the digest matches, or that the file is not the one its name promises.
    ///
    /// - Parameter path: the file's path, as the user gave it.
    /// - Returns: one line for the user.
    public func message(for path: String) -> String {
        matches
            ? "\(path): sha256 matches the name (\(promised))"
            : "\(path): sha256 is \(actual.prefix(promised.count)), but the name promises \(promised): "
                + "a corrupt or different download"
    }
}
