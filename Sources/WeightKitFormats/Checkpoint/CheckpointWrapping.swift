import WeightKitCore

/// How a framework's checkpoint holds its state dict, so a written checkpoint loads where the target expects.
public enum CheckpointWrapping: String, Sendable, Codable, CaseIterable {
    /// The state dict itself (torchvision, timm). WeightKit's metadata has no place in it and is not written.
    case bare
    /// `{'model': state dict, '__author__': 'WeightKit', 'weightkit': {...}}` (detectron2 and its model
    /// zoo, maskrcnn-benchmark, vovnet-detectron2).
    case model
    /// `{'meta': {...}, 'state_dict': state dict, 'weightkit': {...}}` (mmdetection).
    case stateDict = "state_dict"
    /// `{'blobs': {name: array}, 'weightkit': {...}}` (Detectron's own pickles).
    case blobs

    /// The top-level key under which WeightKit's `weightkit.*` metadata goes, without the prefix: reading
    /// the file back flattens it to the same `weightkit.*` keys. Frameworks ignore keys they do not know.
    static let metadataKey = "weightkit"
    static let author = "WeightKit"

    /// The `weightkit.*` entries of `metadata`, prefix removed, in a stable order.
    static func recorded(_ metadata: [String: String]) -> [(String, String)] {
        let prefix = metadataKey + "."
        return metadata.compactMap { key, value in key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil }
            .sorted { $0.0 < $1.0 }
    }
}

/// One tensor a writer emits: its name, dtype, shape and the bytes, produced when its turn comes.
public typealias OutputTensor = SafetensorsWriter.Entry

extension SafetensorsWriter.Entry {
    /// The entry's bytes as a producer of their announced length.
    func producer() throws(WeightKitError) -> TensorData.Producer {
        TensorData.Producer(count: try shape.byteCount(of: dtype), produce: bytes)
    }
}
