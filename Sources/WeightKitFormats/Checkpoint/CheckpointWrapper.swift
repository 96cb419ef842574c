import WeightKitCore

/// The dict a framework's checkpoint wraps its state dict in, emitted the same way into torch and NumPy
/// pickles: the state dict under the wrapping's key, then mmdetection's `meta` (holding the config text it
/// reads), detectron2's `__author__`, WeightKit's metadata under `weightkit`, and top-level config text
/// (Detectron's `cfg`).
struct CheckpointWrapper {
    let wrapping: CheckpointWrapping
    let metadata: [(String, String)]
    let topLevel: [(String, String)]
    let meta: [(String, String)]

    /// Places every config entry of `document` in the wrapping; an entry the wrapping has no slot for is an
    /// error, since the target would never read it.
    init(_ document: OutputDocument) throws(WeightKitError) {
        wrapping = document.wrapping
        metadata = CheckpointWrapping.recorded(document.metadata)
        var topLevel: [(String, String)] = [], meta: [(String, String)] = []
        for entry in document.config.entries.sorted(by: { $0.path < $1.path }) {
            if !entry.path.contains("."), wrapping != .bare {
                topLevel.append((entry.path, entry.text))
            } else if entry.path.hasPrefix("meta."), wrapping == .stateDict {
                meta.append((String(entry.path.dropFirst("meta.".count)), entry.text))
            } else {
                throw WeightKitError(.unsupported, "a \(wrapping.rawValue) checkpoint has no place for '\(entry.path)', "
                    + "which the target reads its config from")
            }
        }
        self.topLevel = topLevel
        self.meta = meta
    }

    /// Emits the wrapped checkpoint; `stateDict` emits the state dict itself.
    func emit(
        into pickle: inout PickleEmitter, stateDict: (inout PickleEmitter) throws(WeightKitError) -> Void
    ) throws(WeightKitError) {
        guard let key = wrapping.stateDictKey else { return try stateDict(&pickle) }
        pickle.op(.emptyDict)
        pickle.mark()
        pickle.string(key)
        try stateDict(&pickle)
        if wrapping == .stateDict {
            pickle.string("meta")
            pickle.stringDict(meta)
        }
        if wrapping == .model {
            pickle.string("__author__")
            pickle.string(CheckpointWrapping.author)
        }
        pickle.string(CheckpointWrapping.metadataKey)
        pickle.stringDict(metadata)
        for (key, value) in topLevel {
            pickle.string(key)
            pickle.string(value)
        }
        pickle.op(.setItems)
    }
}
