/// The `weightkit.*` metadata keys of a canonical container (schemas/vov-bin.md); the only spelling of each
/// in the code. The header schema refuses any other `weightkit.*` key.
public enum ContainerKey: String, CaseIterable, Sendable {
    case containerVersion = "weightkit.container_version"
    case sourceFormat = "weightkit.source_format"
    case sourceSHA256 = "weightkit.source_sha256"
    case names = "weightkit.names"
    case layout = "weightkit.layout"
    case architecture = "weightkit.architecture"
    case depth = "weightkit.depth"
    case blocks = "weightkit.blocks"
    case groups = "weightkit.groups"
    case widthPerGroup = "weightkit.width_per_group"
    case layersPerBlock = "weightkit.layers_per_block"
    case stageChannels = "weightkit.stage_channels"
    case neck = "weightkit.neck"
    case heads = "weightkit.heads"
    case ese = "weightkit.ese"
    case norm = "weightkit.norm"
    case normEps = "weightkit.norm_eps"
    case strideIn = "weightkit.stride_in"
    case channelOrder = "weightkit.channel_order"
    case pixelScale = "weightkit.pixel_scale"
    case pixelMean = "weightkit.pixel_mean"
    case pixelStd = "weightkit.pixel_std"
    case channelOrderChanged = "weightkit.channel_order_changed"
    case classOrder = "weightkit.class_order"
    case inputNorm = "weightkit.input_norm"
    case res5Dilation = "weightkit.res5_dilation"
    case tridentDilations = "weightkit.trident_dilations"
    case fixGamma = "weightkit.fix_gamma"
    case synthesized = "weightkit.synthesized"
    case unmapped = "weightkit.unmapped"
    case dropped = "weightkit.dropped"
    case dtypeCast = "weightkit.dtype_cast"
    case foldedNorms = "weightkit.folded_norms"
    case unfoldedNorms = "weightkit.unfolded_norms"
    case note = "weightkit.note"
    case classes = "weightkit.classes"
    case centernessOn = "weightkit.centerness_on"
    case roiAlign = "weightkit.roi_align"
}

extension TensorCollection {
    /// The value of a `weightkit.*` key.
    ///
    /// - Parameter key: the key.
    /// - Returns: its value in `metadata`, or nil; setting nil removes it.
    public subscript(key: ContainerKey) -> String? {
        get { metadata[key.rawValue] }
        set { metadata[key.rawValue] = newValue }
    }

    /// How this collection's tensors are named; nil when no conversion has said.
    public var naming: Naming? {
        get { self[.names].flatMap(Naming.init(rawValue:)) }
        set { self[.names] = newValue?.rawValue }
    }
}
