/// Converts any readable weight file to the canonical container, streaming one tensor at a time.
public struct Conversion: Sendable {
    /// How tensors are named in the output.
    public enum Naming: String, Sendable, CaseIterable {
        /// Keep the names the source file uses.
        case source
    }

    public var naming: Naming = .source
    /// Cast floating tensors to this dtype; nil keeps every dtype.
    public var dtype: DType?
    /// Replace an existing output.
    public var overwrite = false
    /// Read every tensor in the source, not only the model weights.
    public var includeAll = false

    public init() {}

    /// The version of the `weightkit.*` metadata keys this build writes.
    public static let containerVersion = "1"

    /// Converts `source` to `destination`. The output appears complete or not at all.
    public func run(
        from source: String, to destination: String, progress: SafetensorsWriter.Progress? = nil
    ) throws(WeightKitError) {
        if let sourceIdentity = MappedFile.identity(of: source),
           let destinationIdentity = MappedFile.identity(of: destination),
           sourceIdentity == destinationIdentity
        {
            throw WeightKitError(.invalidArgument, "output is the source file; choose another name", file: destination)
        }
        let collection = try WeightFile.read(source, options: .init(includeAll: includeAll))
        guard collection.count > 0 else {
            throw WeightKitError(.invalidArgument, "file holds no tensors; nothing to convert", file: source)
        }
        do {
            let entries = try plan(collection)
            let output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
            try SafetensorsWriter.write(entries, metadata: metadata(for: collection), to: output, progress: progress)
        } catch {
            throw error.inFile(source)
        }
    }

    /// What will be written for each tensor of `collection`, without producing any bytes yet.
    public func plan(_ collection: TensorCollection) throws(WeightKitError) -> [SafetensorsWriter.Entry] {
        if let dtype, !DTypeCast.targets.contains(dtype) {
            throw WeightKitError(.invalidArgument, "cannot cast to \(dtype.rawValue); choose float32, float16 or bfloat16")
        }
        return collection.tensors.map { tensor in
            guard let target = dtype else { return SafetensorsWriter.Entry(tensor) }
            return SafetensorsWriter.Entry(
                name: tensor.name,
                dtype: DTypeCast.resultType(of: tensor.dtype, castingTo: target),
                shape: tensor.shape
            ) { () throws(WeightKitError) in
                try DTypeCast.cast(tensor, to: target)
            }
        }
    }

    /// The `__metadata__` of the output: the source's own metadata, then WeightKit's keys.
    public func metadata(for collection: TensorCollection) -> [String: String] {
        var metadata = collection.metadata.filter { !$0.key.hasPrefix("weightkit.") }
        metadata["weightkit.container_version"] = Conversion.containerVersion
        metadata["weightkit.source_format"] = collection.format.rawValue
        metadata["weightkit.names"] = naming.rawValue
        if let dtype { metadata["weightkit.dtype_cast"] = dtype.rawValue }
        return metadata
    }
}
