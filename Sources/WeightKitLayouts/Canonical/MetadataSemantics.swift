import WeightKitCore

extension LayoutDefinition {
    /// Semantics a checkpoint states in its own training config: when the source metadata value
    /// `metadata` contains `contains`, `semantics` hold. As a target, the layout writes `write` (or
    /// `contains`) into that metadata slot and tells the user `setting`, the line for the framework's own
    /// config.
    public struct MetadataSemantics: Decodable, Sendable {
        /// The source metadata key to look in (a training config's text).
        public var metadata: String
        /// The text whose presence in that value means `semantics` hold.
        public var contains: String
        /// The semantics that hold when it does.
        public var semantics: WeightSemantics
        /// The config text written into the checkpoint's `metadata` slot; `contains` when not given.
        public var write: String?
        /// The framework config setting that makes it compute with these semantics.
        public var setting: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case metadata, contains, semantics, write, setting
        }

        /// Decodes a `semantics_from_metadata` entry from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the entry.
        /// - Throws: `DecodingError` for an unknown key, a missing key or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            metadata = try container.decode(String.self, forKey: .metadata)
            contains = try container.decode(String.self, forKey: .contains)
            semantics = try container.decode(WeightSemantics.self, forKey: .semantics)
            write = try container.decodeIfPresent(String.self, forKey: .write)
            setting = try container.decodeIfPresent(String.self, forKey: .setting)
        }

        /// Whether the file's metadata states these semantics: `contains` in the config's code, not in a
        /// comment or inside another value's string (`# style='caffe'`, `note="style='caffe'"` say nothing).
        func holds(in metadata: [String: String]) -> Bool {
            guard let text = metadata[self.metadata] else { return false }
            return ConfigText(text).codeContains(contains)
        }

        /// What a target framework must be told for these semantics to hold.
        var targetConfig: TargetConfig {
            TargetConfig(entries: [.init(path: metadata, text: write ?? contains)], settings: setting.map { [$0] } ?? [])
        }
    }
}
