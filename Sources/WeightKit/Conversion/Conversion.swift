import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Converts any readable weight file to the canonical container or into a framework's own names and
/// checkpoint, streaming one tensor at a time.
public struct Conversion: Sendable {
    /// How tensors are named in the output.
    public typealias Naming = WeightKitCore.Naming

    /// Whether the output gets canonical names (the default) or keeps the source's own.
    public var naming: Naming = .canonical
    /// Cast floating tensors to this dtype; nil keeps every dtype.
    public var dtype: DType?
    /// Replace an existing output.
    public var overwrite = false
    /// Read every tensor in the source, not only the model weights, and keep training state.
    public var includeAll = false
    /// Refuse to write when a tensor has no canonical name (or no name in the target layout).
    public var strict = false
    /// Reorder the first convolution's input channels to this order.
    public var channelOrder: ChannelOrder?
    /// Fold every norm that directly follows a convolution into it.
    public var foldBatchNorm = false
    /// Where the source's ResNet bottlenecks put their stride, when the user knows better than the file and
    /// its layout (a detectron2 model trained from a torchvision backbone); recorded in the output.
    public var strideIn: StrideIn?
    /// The eps every norm adds to its variance, when the framework that runs the file uses another than the
    /// file records (SimpleDet's 1e-5 for the MXNet gallery's ResNet v2 params); recorded in the output.
    public var normEps: Double?
    /// The weight file to read when the source is an archive holding several.
    public var archiveMember: String?
    /// The bytes the source may produce when read (`ReadBudget`); nil for the default of its size.
    public var maximumReadBytes: Int?
    /// The layouts used to recognise and rename the source; the embedded ones unless replaced.
    public var mapper = CanonicalMapper.standard
    /// The layout (or family) to write names in: `canonical` or nil keeps canonical names.
    public var targetLayout: String?
    /// The container to write; nil chooses by the output's name (`WeightFile.outputFormat(for:)`).
    public var format: WeightFormat?
    /// How a torch checkpoint holds its state dict; nil chooses `model` (detectron2) for canonical names
    /// and `bare` for source names.
    public var wrapping: CheckpointWrapping?

    /// Creates a conversion with the defaults: canonical names, every dtype kept, nothing folded or reordered,
    /// the output's container chosen by its name.
    public init() {}

    /// The version of the `weightkit.*` metadata keys this build writes.
    public static let containerVersion = "1"

    /// Converts `source` to `destination`: read, name canonically, apply what was asked (stride placement,
    /// channel order, folding), rename into the target layout, write. The output appears complete or not at
    /// all.
    ///
    /// - Parameters:
    ///   - source: the weight file to read, of any format WeightKit reads.
    ///   - destination: the output; its extension picks the container unless `format` is set.
    ///   - progress: called as tensor data is written (safetensors outputs).
    /// - Returns: what the conversion did.
    /// - Throws: `WeightKitError` naming the source when any stage fails; nothing is left at `destination`.
    @discardableResult
    public func run(
        from source: String, to destination: String, progress: WriteProgress? = nil
    ) throws(WeightKitError) -> Report {
        try Self.refuseWritingOverSource(source, destination)
        let file = try MappedFile(path: source)
        let digest = SourceDigest(file)
        do throws(WeightKitError) {
            var work = try read(file)
            try nameCanonically(&work)
            try recordGivenSemantics(&work)
            try reorderChannels(&work)
            try foldNorms(&work)
            try renameIntoTarget(&work)
            work.report.tensorCount = work.collection.count
            try write(work, to: destination, digest: digest, progress: progress)
            return work.report
        } catch {
            digest.abandon()
            throw error.inFile(source)
        }
    }

    /// A conversion in progress: the tensors as they are now, what has been done, and what the writer needs.
    struct Work {
        var collection: TensorCollection
        let sourceFormat: WeightFormat
        var report = Report()
        var config = TargetConfig()
        var checkpoint: CheckpointWrapping?
        /// What the recognised network says about its tensors (empty until canonical names are known).
        var structure = NetworkStructure()
    }

    static func refuseWritingOverSource(_ source: String, _ destination: String) throws(WeightKitError) {
        if let sourceIdentity = FileIdentity.of(source), let destinationIdentity = FileIdentity.of(destination),
           sourceIdentity.isSameFile(as: destinationIdentity)
        {
            throw WeightKitError(.invalidArgument, "output is the source file; choose another name", file: destination)
        }
    }
}
