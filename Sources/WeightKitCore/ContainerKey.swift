/// The `weightkit.*` metadata keys of a canonical container (schemas/vov-bin.md); the only spelling of each
/// in the code. The header schema refuses any other `weightkit.*` key.
public enum ContainerKey: String, CaseIterable, Sendable {
    /// The version of the `weightkit.*` key set: `1`.
    case containerVersion = "weightkit.container_version"
    /// The format of the source file, as ``WeightFormat`` spells it.
    case sourceFormat = "weightkit.source_format"
    /// The source file's SHA-256, in hex.
    case sourceSHA256 = "weightkit.source_sha256"
    /// How the tensors are named: `canonical` or `source`.
    case names = "weightkit.names"
    /// The layout that recognised the source's names.
    case layout = "weightkit.layout"
    /// The network recognised: `resnet-50`, `resnext-101-32x8d`, `vovnet-v2-39-ese`, ...
    case architecture = "weightkit.architecture"
    /// The backbone's depth.
    case depth = "weightkit.depth"
    /// The number of blocks in each backbone stage.
    case blocks = "weightkit.blocks"
    /// A ResNeXt's number of groups.
    case groups = "weightkit.groups"
    /// A ResNeXt's width per group.
    case widthPerGroup = "weightkit.width_per_group"
    /// A VoVNet's convolutions per OSA block.
    case layersPerBlock = "weightkit.layers_per_block"
    /// A VoVNet's channels per stage.
    case stageChannels = "weightkit.stage_channels"
    /// The neck: `fpn(p2,...,p7)`.
    case neck = "weightkit.neck"
    /// The heads, comma-separated: `rpn`, `fcos`, `box`, `mask`, `classifier`, ...
    case heads = "weightkit.heads"
    /// Where eSE sits: `every-block`, `last-block-of-stage` or `N-of-M-blocks`.
    case ese = "weightkit.ese"
    /// The source's norm: `batch-norm`, `frozen-batch-norm` or `affine-channel`.
    case norm = "weightkit.norm"
    /// The eps every canonical norm must use.
    case normEps = "weightkit.norm_eps"
    /// Where the ResNet bottlenecks put their stride: `1x1` or `3x3`.
    case strideIn = "weightkit.stride_in"
    /// The input channel order the weights expect: `RGB` or `BGR`.
    case channelOrder = "weightkit.channel_order"
    /// The pixel range the weights expect: `0-1` or `0-255`.
    case pixelScale = "weightkit.pixel_scale"
    /// The per-channel mean subtracted from the input.
    case pixelMean = "weightkit.pixel_mean"
    /// The per-channel std the input is divided by.
    case pixelStd = "weightkit.pixel_std"
    /// Present after the first convolution's input channels were reordered.
    case channelOrderChanged = "weightkit.channel_order_changed"
    /// Where the background class is: `background-last` or `background-first`.
    case classOrder = "weightkit.class_order"
    /// A learned input normalisation (MXNet's `bn_data`).
    case inputNorm = "weightkit.input_norm"
    /// res5's dilation (`2`: stride 1 with dilation 2).
    case res5Dilation = "weightkit.res5_dilation"
    /// TridentNet's branch dilations (`1,2,3`).
    case tridentDilations = "weightkit.trident_dilations"
    /// The norms whose gamma was forced to 1 (MXNet `fix_gamma`).
    case fixGamma = "weightkit.fix_gamma"
    /// Tensors WeightKit created (AffineChannel statistics).
    case synthesized = "weightkit.synthesized"
    /// Source names no layout rule maps, kept unchanged.
    case unmapped = "weightkit.unmapped"
    /// How many training-state tensors were left out.
    case dropped = "weightkit.dropped"
    /// The dtype floating tensors were cast to.
    case dtypeCast = "weightkit.dtype_cast"
    /// How many norms were folded into the convolution before them.
    case foldedNorms = "weightkit.folded_norms"
    /// The norms that could not be folded, each with the reason.
    case unfoldedNorms = "weightkit.unfolded_norms"
    /// A layout's remark on semantics the file does not record.
    case note = "weightkit.note"
    /// The class names the checkpoint carries, as a JSON array, in classifier order.
    case classes = "weightkit.classes"
    /// The tower an FCOS centerness branch reads.
    case centernessOn = "weightkit.centerness_on"
    /// How the source framework pools boxes from its pyramid.
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
