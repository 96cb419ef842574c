import WeightKitCore
import WeightKitFormats
import WeightKitLayouts
import WeightKitVerify

/// The stages of `Conversion.run`, in order.
extension Conversion {
    func read(_ file: MappedFile) throws(WeightKitError) -> Work {
        let options = ReadOptions(includeAll: includeAll, maximumBytes: maximumReadBytes, member: archiveMember)
        let collection = try WeightFile.read(file, options: options)
        guard collection.count > 0 else {
            throw WeightKitError(.invalidArgument, "file holds no tensors; nothing to convert")
        }
        return Work(collection: collection, sourceFormat: collection.format)
    }

    /// Renames by the layout that recognises the names (canonical naming), or marks the names as the
    /// source's own.
    func nameCanonically(_ work: inout Work) throws(WeightKitError) {
        guard naming == .canonical else {
            work.collection.naming = .source
            return
        }
        let (mapped, network) = try mapper.mapNetwork(work.collection, keepDropped: includeAll)
        if strict, !mapped.unmapped.isEmpty {
            throw WeightKitError(
                .invalidArgument,
                "\(mapped.unmapped.count) tensors have no canonical name (strict naming): "
                    + mapped.unmapped.prefix(10).joined(separator: ", "))
        }
        if mapped.layout == nil, let closest = try mapper.closestLayout(to: work.collection) {
            work.report.closestLayout = (closest.layout, closest.mapped)
        }
        work.collection = mapped.collection
        work.report.layout = mapped.layout
        work.report.unmapped = mapped.unmapped
        work.structure = network?.structure ?? NetworkStructure()
        work.report.architecture = work.collection[.architecture]
    }

    /// Records the stride placement and norm eps the user gave in place of the file's.
    func recordGivenSemantics(_ work: inout Work) throws(WeightKitError) {
        guard strideIn != nil || normEps != nil else { return }
        guard work.collection.naming == .canonical else {
            throw WeightKitError(.invalidArgument, "stride placement and norm eps are recorded with canonical names only")
        }
        if let strideIn { work.collection.semantics.strideIn = strideIn }
        if let normEps { work.collection.semantics.normEps = normEps }
        try work.collection.semantics.validate()
    }

    func reorderChannels(_ work: inout Work) throws(WeightKitError) {
        guard let channelOrder else { return }
        try ChannelOrder.reorder(&work.collection, to: channelOrder, structure: work.structure)
    }

    func foldNorms(_ work: inout Work) throws(WeightKitError) {
        guard foldBatchNorm else { return }
        let folded = try BatchNormFolding.fold(work.collection, structure: work.structure)
        work.collection = folded.collection
        work.report.unfolded = folded.unfolded
    }

    /// Renames canonical tensors into the target layout, converting or refusing the semantics it states.
    func renameIntoTarget(_ work: inout Work) throws(WeightKitError) {
        guard let targetLayout, targetLayout != "canonical" else { return }
        guard naming == .canonical else {
            throw WeightKitError(.invalidArgument, "a target layout replaces the names; it cannot keep the source's")
        }
        guard work.collection.naming == .canonical else {
            throw WeightKitError(.invalidArgument, "no layout recognised the source's names, so there is nothing to rename into \(targetLayout)")
        }
        let target = try TargetMapper(mapper: mapper).map(work.collection, to: targetLayout, structure: work.structure)
        if strict, !target.inexpressible.isEmpty {
            throw WeightKitError(
                .invalidArgument,
                "\(target.inexpressible.count) tensors have no name in \(target.layout) (strict naming): "
                    + target.inexpressible.prefix(10).joined(separator: ", "))
        }
        work.collection = target.collection
        work.config = target.config
        work.checkpoint = target.checkpoint
        work.report.targetLayout = target.layout
        work.report.inexpressible = target.inexpressible
        work.report.conversions = target.conversions
    }

    /// Writes the container, with the source's digest filled in once the hashing thread has it.
    func write(_ work: Work, to destination: String, digest: SourceDigest, progress: WriteProgress?) throws(WeightKitError) {
        var collection = work.collection
        collection[.sourceSHA256] = SourceDigest.placeholder
        collection[.sourceFormat] = work.sourceFormat.rawValue
        let document = OutputDocument(
            tensors: try plan(collection), metadata: metadata(for: collection),
            wrapping: wrapping ?? work.checkpoint ?? (collection.naming == .canonical ? .model : .bare),
            config: work.config,
            deferred: DeferredValue(key: ContainerKey.sourceSHA256.rawValue) { () throws(WeightKitError) in try digest.value() },
            progress: progress)
        let outputFormat = format ?? WeightFile.outputFormat(for: destination)
        try WeightFile.checkOutput(document.tensors, for: outputFormat)
        let output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
        try WeightFile.write(document, as: outputFormat, to: output)
    }

    /// What will be written for each tensor of `collection`, without producing any bytes yet.
    ///
    /// - Parameter collection: the tensors to write.
    /// - Returns: one output tensor per tensor, cast to `dtype` when it is set; the bytes are produced when the
    ///   writer asks for them.
    /// - Throws: `WeightKitError` when `dtype` is not a cast target (float32, float16, bfloat16).
    public func plan(_ collection: TensorCollection) throws(WeightKitError) -> [OutputTensor] {
        if let dtype, !DTypeCast.targets.contains(dtype) {
            throw WeightKitError(.invalidArgument, "cannot cast to \(dtype.rawValue); choose float32, float16 or bfloat16")
        }
        return collection.tensors.map { tensor in
            guard let target = dtype else { return OutputTensor(tensor) }
            return OutputTensor(
                name: tensor.name, dtype: DTypeCast.resultType(of: tensor.dtype, castingTo: target), shape: tensor.shape
            ) { () throws(WeightKitError) in
                try DTypeCast.cast(tensor, to: target)
            }
        }
    }

    /// The `__metadata__` of the output: the source's own metadata, then WeightKit's keys.
    ///
    /// - Parameter collection: the tensors to write, with their metadata and semantics.
    /// - Returns: the metadata to write, with the container version, source format, naming and any cast.
    public func metadata(for collection: TensorCollection) -> [String: String] {
        var metadata = collection.containerMetadata
        metadata[ContainerKey.containerVersion.rawValue] = Conversion.containerVersion
        metadata[ContainerKey.sourceFormat.rawValue] = metadata[ContainerKey.sourceFormat.rawValue] ?? collection.format.rawValue
        metadata[ContainerKey.names.rawValue] = collection.naming?.rawValue ?? naming.rawValue
        if let dtype { metadata[ContainerKey.dtypeCast.rawValue] = dtype.rawValue }
        return metadata
    }
}
