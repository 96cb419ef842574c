import Foundation
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
        /// Every value the framework takes for the setting `contains` names (the text after its `=` or `: `):
        /// a config giving it another is refused, as the framework would refuse it.
        public var accepts: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case metadata, contains, semantics, write, setting, accepts
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
            accepts = try container.decodeIfPresent([String].self, forKey: .accepts)
        }

        /// Whether the file's metadata states these semantics: `contains` in the config's code, not in a
        /// comment or inside another value's string (`# style='caffe'`, `note="style='caffe'"` say nothing).
        func holds(in metadata: [String: String]) -> Bool {
            guard let text = metadata[self.metadata] else { return false }
            guard let setting = statedSetting else { return ConfigText(text).codeContains(contains) }
            return ConfigText(text).codeValues(of: setting.name, separator: setting.separator)
                .contains { ConfigText.normalized($0) == ConfigText.normalized(setting.value) }
        }

        /// Refuses a config whose code gives the setting a value the framework does not take.
        ///
        /// - Throws: `WeightKitError` naming the setting, its value and the values the framework takes.
        func check(in metadata: [String: String]) throws(WeightKitError) {
            guard let accepts, let text = metadata[self.metadata], let setting = statedSetting else { return }
            let taken = Set(accepts.map(ConfigText.normalized))
            for value in ConfigText(text).codeValues(of: setting.name, separator: setting.separator)
            where !taken.contains(ConfigText.normalized(value)) {
                throw WeightKitError(.malformed, "its \(self.metadata) sets \(setting.name)\(setting.separator)\(value), which the "
                    + "framework does not take (it takes \(accepts.joined(separator: ", ")))")
            }
        }

        /// The setting `contains` states, split at its `=` (Python) or `:` (YAML): `style`, `=`, `'caffe'`.
        private var statedSetting: (name: String, separator: Character, value: String)? {
            guard let index = contains.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
            let name = contains[..<index].trimmingCharacters(in: .whitespaces)
            let value = contains[contains.index(after: index)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !value.isEmpty else { return nil }
            return (name, contains[index], value)
        }

        /// What a target framework must be told for these semantics to hold.
        var targetConfig: TargetConfig {
            TargetConfig(entries: [.init(path: metadata, text: write ?? contains)], settings: setting.map { [$0] } ?? [])
        }
    }
}
