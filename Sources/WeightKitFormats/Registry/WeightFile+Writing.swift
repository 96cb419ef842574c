import WeightKitCore

extension WeightFile {
    /// The containers WeightKit writes.
    public static var writableFormats: [WeightFormat] { WeightFileRegistry.writers.map { $0.format } }

    /// The container an output name asks for (`.pth`/`.pt` a torch checkpoint, `.pkl` a NumPy pickle, `.npz`,
    /// `.params`); safetensors for any other name (`vov.bin`, `.safetensors`).
    ///
    /// - Parameter path: the output's path; only its last component's extension counts.
    /// - Returns: the format of the writer that takes that extension.
    public static func outputFormat(for path: String) -> WeightFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return .safetensors }
        let suffix = name[name.index(after: dot)...].lowercased()
        return WeightFileRegistry.writers.first { $0.fileExtensions.contains(suffix) }?.format ?? .safetensors
    }

    /// The extension an output of `format` gets: its writer's preferred one.
    ///
    /// - Parameter format: the output's container.
    /// - Returns: the extension without its dot; `safetensors` for a format no writer takes.
    public static func fileExtension(for format: WeightFormat) -> String {
        WeightFileRegistry.writer(of: format)?.fileExtensions.first ?? "safetensors"
    }

    /// Writes `document` as `format` to `output` and commits it; on any error the output is discarded, so
    /// the destination appears complete or not at all.
    ///
    /// - Parameters:
    ///   - document: the tensors, metadata, wrapping and config to write.
    ///   - format: one of `writableFormats`.
    ///   - output: the unnamed output file, linked into place once complete.
    /// - Throws: `WeightKitError` when the format has no writer, a name or rank is refused (`checkOutput`), or
    ///   the container cannot hold what the document says; the output is then discarded.
    public static func write(_ document: OutputDocument, as format: WeightFormat, to output: AtomicOutputFile)
        throws(WeightKitError)
    {
        do {
            guard let writer = WeightFileRegistry.writer(of: format) else {
                throw WeightKitError(.unsupported, "WeightKit does not write \(format.rawValue) files; it writes "
                    + writableFormats.map(\.rawValue).joined(separator: ", "))
            }
            try checkOutput(document.tensors, for: format)
            try writer.write(writer.fillsDeferredValue ? document : try document.resolvingDeferredValue(), to: output)
            try output.commit()
        } catch {
            output.discard()
            throw .recovered(from: error)
        }
    }

    /// Refuses names a `format` output must not carry (paths out of the archive, control characters, NUL,
    /// names past 4 KiB, two names that are one member) and ranks its readers refuse: call it before
    /// creating the output, so a refused source leaves nothing behind, not even a temporary.
    public static func checkOutput(_ tensors: [OutputTensor], for format: WeightFormat) throws(WeightKitError) {
        try OutputNames.check(tensors, for: format)
        let limit = format.rankLimit
        for tensor in tensors where tensor.shape.rank > limit.rank {
            throw WeightKitError(
                .unsupported,
                "rank \(tensor.shape.rank): \(format.rawValue) tensors have at most \(limit.rank) dimensions (\(limit.source))",
                location: .init(tensor: tensor.name))
        }
    }

    /// Writes `collection` as it is, metadata included, to a safetensors file at `path`.
    ///
    /// - Parameters:
    ///   - collection: the tensors and metadata to write.
    ///   - path: the destination.
    ///   - overwrite: replace an existing file.
    /// - Throws: `WeightKitError` when the destination exists (without `overwrite`) or cannot be written.
    public static func writeSafetensors(
        _ collection: TensorCollection, to path: String, overwrite: Bool = false
    ) throws(WeightKitError) {
        let tensors = collection.tensors.map(OutputTensor.init)
        try checkOutput(tensors, for: .safetensors)
        let output = try AtomicOutputFile(destination: path, overwrite: overwrite)
        try write(OutputDocument(tensors: tensors, metadata: collection.metadata), as: .safetensors, to: output)
    }
}
