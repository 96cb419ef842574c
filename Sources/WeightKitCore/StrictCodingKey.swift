/// A coding key for any name, so a decoder can list every key an object has and refuse those it does not
/// know: a misspelt key in a layout file is an error, not a silently missing value.
public struct StrictCodingKey: CodingKey, Hashable {
    /// The key's name.
    public var stringValue: String
    /// Always nil: the key names object members only.
    public var intValue: Int? { nil }

    /// Creates a key for any name.
    ///
    /// - Parameter stringValue: the key's name.
    public init(stringValue: String) {
        self.stringValue = stringValue
    }

    /// Always nil: the key names object members only.
    ///
    /// - Parameter intValue: ignored.
    public init?(intValue: Int) {
        nil
    }
}

extension Decoder {
    /// Refuses any key of this object outside `known`.
    ///
    /// - Parameter known: the keys the type decodes.
    /// - Throws: `DecodingError.dataCorrupted` naming the first unknown key.
    public func refuseUnknownKeys(_ known: Set<String>) throws {
        let container = try self.container(keyedBy: StrictCodingKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [StrictCodingKey(stringValue: unknown)],
                debugDescription: "unknown key '\(unknown)'; known keys are \(known.sorted().joined(separator: ", "))"))
        }
    }
}
