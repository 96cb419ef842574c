import WeightKitCore

/// Everything a writer puts into a container: the tensors, the metadata strings, how the checkpoint holds its
/// state dict, and the config text the target framework reads from the checkpoint.
public struct OutputDocument {
    /// The tensors, in the order they are written.
    public var tensors: [OutputTensor]
    /// The container's metadata, as strings: this is where typed values become text.
    public var metadata: [String: String]
    /// How a torch or pickle checkpoint holds its state dict.
    public var wrapping: CheckpointWrapping
    /// Config text for the checkpoint's slots, and settings the user must make.
    public var config: TargetConfig
    /// A metadata value known only once the data is written (a digest of the source computed meanwhile).
    public var deferred: DeferredValue?
    /// Called as tensor data is written, where the writer reports it.
    public var progress: WriteProgress?

    /// Creates a document; by default a bare state dict with no metadata or config.
    ///
    /// - Parameters:
    ///   - tensors: the tensors, in the order they are written.
    ///   - metadata: the container's metadata strings.
    ///   - wrapping: how a checkpoint holds its state dict.
    ///   - config: config text and settings for the target framework.
    ///   - deferred: a metadata value known only once the data is written.
    ///   - progress: called as tensor data is written.
    public init(
        tensors: [OutputTensor], metadata: [String: String] = [:], wrapping: CheckpointWrapping = .bare,
        config: TargetConfig = TargetConfig(), deferred: DeferredValue? = nil, progress: WriteProgress? = nil
    ) {
        self.tensors = tensors
        self.metadata = metadata
        self.wrapping = wrapping
        self.config = config
        self.deferred = deferred
        self.progress = progress
    }

    /// The metadata with the deferred value in place, for containers that cannot fill it in afterwards.
    func resolvingDeferredValue() throws(WeightKitError) -> OutputDocument {
        guard let deferred else { return self }
        var resolved = self
        resolved.metadata[deferred.key] = try deferred.value()
        resolved.deferred = nil
        return resolved
    }
}

/// Progress of a write: bytes of tensor data written so far, and in all.
public typealias WriteProgress = (_ written: Int, _ total: Int) -> Void
