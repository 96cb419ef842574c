import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Converts any readable weight file to the canonical container, streaming one tensor at a time.
public struct Conversion: Sendable {
    /// How tensors are named in the output.
    public typealias Naming = WeightKitCore.Naming

    /// What a conversion did besides writing: the layout chosen and the tensors it could not map.
    public struct Report: Sendable {
        public var layout: String?
        public var architecture: String?
        /// Source names no layout rule maps, kept under those names in the output.
        public var unmapped: [String] = []
        /// When no layout recognised the names: the one whose rules map the most of them, and how many.
        public var closestLayout: (name: String, mapped: Int)?
        /// Norms that could not be folded, with the reason.
        public var unfolded: [String] = []
        /// The target layout written, with `layout`.
        public var targetLayout: String?
        /// Canonical tensors the target layout has no name for, left out.
        public var inexpressible: [String] = []
        /// What was changed so that the target computes the same function.
        public var conversions: [String] = []
        public var tensorCount = 0
    }

    public var naming: Naming = .canonical
    /// Cast floating tensors to this dtype; nil keeps every dtype.
    public var dtype: DType?
    /// Replace an existing output.
    public var overwrite = false
    /// Read every tensor in the source, not only the model weights, and keep training state.
    public var includeAll = false
    /// Refuse to write when a tensor has no canonical name.
    public var strict = false
    /// Reorder the first convolution's input channels to this order.
    public var channelOrder: ChannelOrder?
    /// Fold every norm that directly follows a convolution into it.
    public var foldBatchNorm = false
    /// Where the source's ResNet bottlenecks put their stride, when the user knows better than the file and
    /// its layout (a detectron2 model trained from a torchvision backbone); recorded in the output.
    public var strideIn: StrideIn?
    /// The weight file to read when the source is an archive holding several.
    public var archiveMember: String?
    /// The bytes the source may produce when read (`ReadBudget`); nil for the default of its size.
    public var maximumReadBytes: Int?
    public var mapper = CanonicalMapper.standard
    /// The layout (or family) to write names in: `canonical` or nil keeps canonical names.
    public var targetLayout: String?
    /// The container to write; nil chooses by the output's name (`WeightFileWriter.format(forOutput:)`).
    public var format: WeightFormat?
    /// How a torch checkpoint holds its state dict; nil chooses `model` (detectron2) for canonical names
    /// and `bare` for source names.
    public var wrapping: CheckpointWrapping?

    public init() {}

    /// The version of the `weightkit.*` metadata keys this build writes.
    public static let containerVersion = "1"

    /// Converts `source` to `destination`. The output appears complete or not at all.
    @discardableResult
    public func run(
        from source: String, to destination: String, progress: SafetensorsWriter.Progress? = nil
    ) throws(WeightKitError) -> Report {
        if let sourceIdentity = MappedFile.identity(of: source),
           let destinationIdentity = MappedFile.identity(of: destination),
           sourceIdentity == destinationIdentity
        {
            throw WeightKitError(.invalidArgument, "output is the source file; choose another name", file: destination)
        }
        let file = try MappedFile(path: source)
        let digest = SourceDigest(file)
        do throws(WeightKitError) {
            var collection = try WeightFile.read(file, options: .init(includeAll: includeAll, maximumBytes: maximumReadBytes, member: archiveMember))
            guard collection.count > 0 else {
                throw WeightKitError(.invalidArgument, "file holds no tensors; nothing to convert")
            }
            let sourceFormat = collection.format
            var report = Report()
            if naming == .canonical {
                let mapped = try mapper.map(collection, keepDropped: includeAll)
                if strict, !mapped.unmapped.isEmpty {
                    throw WeightKitError(
                        .invalidArgument,
                        "\(mapped.unmapped.count) tensors have no canonical name (strict naming): "
                            + mapped.unmapped.prefix(10).joined(separator: ", "))
                }
                if mapped.layout == nil, let closest = try mapper.closestLayout(to: collection) {
                    report.closestLayout = (closest.layout, closest.mapped)
                }
                collection = mapped.collection
                report.layout = mapped.layout
                report.unmapped = mapped.unmapped
                report.architecture = collection[.architecture]
            } else {
                collection.naming = .source
            }
            if let strideIn {
                guard collection.naming == .canonical else {
                    throw WeightKitError(.invalidArgument, "stride placement is recorded with canonical names only")
                }
                collection[.strideIn] = strideIn.rawValue
            }
            if let channelOrder {
                try ChannelOrder.reorder(&collection, to: channelOrder)
            }
            if foldBatchNorm {
                let folded = try BatchNormFolding.fold(collection)
                collection = folded.collection
                report.unfolded = folded.unfolded
            }
            var config: [String: String] = [:]
            var checkpoint: CheckpointWrapping?
            if let targetLayout, targetLayout != "canonical" {
                guard naming == .canonical else {
                    throw WeightKitError(.invalidArgument, "a target layout replaces the names; it cannot keep the source's")
                }
                guard collection.naming == .canonical else {
                    throw WeightKitError(.invalidArgument, "no layout recognised the source's names, so there is nothing to rename into \(targetLayout)")
                }
                let target = try TargetMapper(mapper: mapper).map(collection, to: targetLayout)
                if strict, !target.inexpressible.isEmpty {
                    throw WeightKitError(
                        .invalidArgument,
                        "\(target.inexpressible.count) tensors have no name in \(target.layout) (strict naming): "
                            + target.inexpressible.prefix(10).joined(separator: ", "))
                }
                collection = target.collection
                config = target.config
                checkpoint = target.checkpoint.flatMap(CheckpointWrapping.init(rawValue:))
                report.targetLayout = target.layout
                report.inexpressible = target.inexpressible
                report.conversions = target.conversions
            }
            collection[.sourceSHA256] = SourceDigest.placeholder
            collection[.sourceFormat] = sourceFormat.rawValue
            let entries = try plan(collection)
            let container = format ?? WeightFileWriter.format(forOutput: destination)
            var metadata = metadata(for: collection)
            if container != .safetensors {
                // Only safetensors has a header slot to fill in after the data; others hash the source first.
                metadata[ContainerKey.sourceSHA256.rawValue] = try digest.value()
            }
            let output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
            let patch = SafetensorsWriter.Patch(key: ContainerKey.sourceSHA256.rawValue) { () throws(WeightKitError) in
                try digest.value()
            }
            try WeightFileWriter.write(
                entries, metadata: metadata, config: config, as: container,
                wrapping: wrapping ?? checkpoint ?? (collection.naming == .canonical ? .model : .bare),
                to: output, progress: progress, patch: patch)
            report.tensorCount = entries.count
            return report
        } catch {
            digest.abandon()
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
        var metadata = collection.metadata
        metadata[ContainerKey.containerVersion.rawValue] = Conversion.containerVersion
        metadata[ContainerKey.sourceFormat.rawValue] = metadata[ContainerKey.sourceFormat.rawValue] ?? collection.format.rawValue
        metadata[ContainerKey.names.rawValue] = collection.naming?.rawValue ?? naming.rawValue
        if let dtype { metadata[ContainerKey.dtypeCast.rawValue] = dtype.rawValue }
        return metadata
    }
}
