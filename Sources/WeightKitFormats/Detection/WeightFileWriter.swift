import WeightKitCore

/// Writes tensors in any container WeightKit can produce. Every writer emits only what WeightKit's own
/// readers accept, and the output appears complete or not at all (`AtomicOutputFile`).
public enum WeightFileWriter {
    /// The containers WeightKit writes.
    public static let formats: [WeightFormat] = [.safetensors, .pytorchZip, .pickle, .numpyNpz, .mxnetParams]

    /// The container an output name asks for: `.pth`/`.pt` a torch checkpoint, `.pkl` a detectron2
    /// model-zoo pickle, `.npz` NumPy arrays, `.params` MXNet; anything else (`vov.bin`, `.safetensors`)
    /// safetensors.
    public static func format(forOutput path: String) -> WeightFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return .safetensors }
        let suffix = name[name.index(after: dot)...].lowercased()
        return extensions.first { $0.suffix == suffix }?.format ?? .safetensors
    }

    /// The extension an output of `format` gets (`pth`, `pkl`, `npz`, `params`, `safetensors`).
    public static func fileExtension(for format: WeightFormat) -> String {
        extensions.first { $0.format == format }?.suffix ?? "safetensors"
    }

    /// Output extensions and their containers, the preferred extension of each first.
    private static let extensions: [(suffix: String, format: WeightFormat)] = [
        ("pth", .pytorchZip), ("pt", .pytorchZip), ("pkl", .pickle), ("npz", .numpyNpz), ("params", .mxnetParams),
        ("safetensors", .safetensors),
    ]

    /// Writes `tensors` with `metadata` as `format` to `output` and commits it; on any error the output is
    /// discarded. `config` holds values the target framework reads from the checkpoint itself, by dotted
    /// path (`meta.config`), written where a torch checkpoint's wrapping has a place for them. `patch` (a
    /// value known only after the data) and `progress` apply to safetensors; other containers take their
    /// metadata as given.
    public static func write(
        _ tensors: [OutputTensor], metadata: [String: String], config: [String: String] = [:], as format: WeightFormat,
        wrapping: CheckpointWrapping, to output: AtomicOutputFile,
        progress: SafetensorsWriter.Progress? = nil, patch: SafetensorsWriter.Patch? = nil
    ) throws(WeightKitError) {
        if format == .safetensors {
            return try SafetensorsWriter.write(tensors, metadata: metadata, to: output, progress: progress, patch: patch)
        }
        do {
            try ensureUniqueNames(tensors)
            switch format {
            case .pytorchZip:
                try TorchCheckpointWriter.write(tensors, metadata: metadata, config: config, wrapping: wrapping, to: output)
            case .pickle:
                try NumPyPickleWriter.write(tensors, metadata: metadata, wrapping: wrapping, to: output)
            case .numpyNpz:
                try NpzWriter.write(tensors, to: output)
            case .mxnetParams:
                try MXNetParamsWriter.write(tensors, to: output)
            default:
                throw WeightKitError(.unsupported, "WeightKit does not write \(format.rawValue) files; it writes "
                    + formats.map(\.rawValue).joined(separator: ", "))
            }
            try output.commit()
        } catch {
            output.discard()
            throw .recovered(from: error)
        }
    }

    private static func ensureUniqueNames(_ tensors: [OutputTensor]) throws(WeightKitError) {
        var seen = Set<String>()
        for tensor in tensors where !seen.insert(tensor.name).inserted {
            throw WeightKitError(.invalidArgument, "two tensors would both be named '\(tensor.name)'")
        }
    }
}
