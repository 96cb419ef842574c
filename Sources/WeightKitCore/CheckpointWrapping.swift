/// How a framework's checkpoint holds its state dict, so a written checkpoint loads where the target expects.
public enum CheckpointWrapping: String, Sendable, Codable, CaseIterable {
    /// The state dict itself (torchvision, timm). WeightKit's metadata has no place in it and is not written.
    case bare
    /// `{'model': state dict, '__author__': 'WeightKit', 'weightkit': {...}}` (detectron2 and its model
    /// zoo, maskrcnn-benchmark, vovnet-detectron2).
    case model
    /// `{'state_dict': state dict, 'meta': {...}, 'weightkit': {...}}` (mmdetection).
    case stateDict = "state_dict"
    /// `{'blobs': {name: array}, 'weightkit': {...}}` (Detectron's own pickles).
    case blobs

    /// The key the state dict sits under; nil for a bare one.
    package var stateDictKey: String? {
        self == .bare ? nil : rawValue
    }

    /// The top-level key under which WeightKit's `weightkit.*` metadata goes, without the prefix: reading
    /// the file back flattens it to the same `weightkit.*` keys. Frameworks ignore keys they do not know.
    package static let metadataKey = "weightkit"
    package static let author = "WeightKit"

    /// The `weightkit.*` entries of `metadata`, prefix removed, in a stable order.
    package static func recorded(_ metadata: [String: String]) -> [(String, String)] {
        let prefix = metadataKey + "."
        return metadata.compactMap { key, value in key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil }
            .sorted { $0.0 < $1.0 }
    }
}
