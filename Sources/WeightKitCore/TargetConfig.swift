/// What a target framework must be told, besides its weights, to compute the source's function: config text
/// written where the framework's checkpoint has a slot for it, and the settings a user makes in the
/// framework's own config file.
public struct TargetConfig: Sendable, Equatable {
    /// Config text for one slot of the checkpoint, by its dotted path: `cfg` at the top of a Detectron
    /// pickle, `meta.config` inside an mmdetection checkpoint's `meta`.
    public struct Entry: Sendable, Equatable {
        /// The slot's dotted path in the checkpoint (`cfg`, `meta.config`).
        public var path: String
        /// The config text written there.
        public var text: String

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - path: the slot's dotted path in the checkpoint.
        ///   - text: the config text written there.
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// Config text the writer puts into the checkpoint's slots.
    public var entries: [Entry]
    /// Lines the user sets in the framework's config (`MODEL.RESNETS.STRIDE_1X1: False`), which no
    /// checkpoint slot makes the framework read.
    public var settings: [String]

    /// Creates a config; empty by default.
    ///
    /// - Parameters:
    ///   - entries: config text for the checkpoint's slots.
    ///   - settings: lines the user sets in the framework's config.
    public init(entries: [Entry] = [], settings: [String] = []) {
        self.entries = entries
        self.settings = settings
    }

    /// Whether the target needs to be told nothing besides its weights.
    public var isEmpty: Bool { entries.isEmpty && settings.isEmpty }
}
