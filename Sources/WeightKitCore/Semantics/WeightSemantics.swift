/// How a file's weights compute, as typed values: norm kind and eps, stride placement, the input the weights
/// expect, class order, how boxes are pooled, where eSE sits. Layouts state them, readers and the mapper
/// fill them in, writers and the verifier use them; they become strings only at a container's boundary
/// (`recorded`, `init(recorded:)`). A nil field is one nobody stated.
public struct WeightSemantics: Sendable, Equatable {
    /// The eps of every norm when nothing states one (torch, detectron2 and gluon use it).
    public static let defaultNormEps = 1e-5

    /// The kind of norm the backbone uses.
    public var norm: NormKind?
    /// The eps every norm adds to the variance; `effectiveNormEps` applies the default.
    public var normEps: Double?
    /// Where the ResNet bottlenecks put their stride.
    public var strideIn: StrideIn?
    /// The order of the input channels the first convolution expects.
    public var channelOrder: ChannelOrder?
    /// Per input channel, in `channelOrder`.
    public var pixelMean: [Double]?
    /// Per input channel, in `channelOrder`: what the input is divided by after the mean is taken.
    public var pixelStd: [Double]?
    /// The range of the pixel values the weights expect.
    public var pixelScale: PixelScale?
    /// Where the classifiers put the background class.
    public var classOrder: ClassOrder?
    /// How the framework pools boxes from the feature pyramid.
    public var roiAlign: RoIAlignSemantics?
    /// Which VoVNet blocks carry effective squeeze-excitation.
    public var ese: EsePlacement?
    /// The tower an FCOS centerness branch reads.
    public var centernessOn: Tower?
    /// A learned normalisation of the raw input before the stem.
    public var inputNorm: InputNormalization?
    /// The dilation of the ResNet's res5 (stride 1 in its first block instead of 2): SimpleDet's c4c5
    /// backbones and detectron2's `RES5_DILATION: 2`.
    public var res5Dilation: Int?
    /// TridentNet: res4's blocks after the first run once per branch with these 3x3 dilations, every branch
    /// with the same weights (SimpleDet's trident units; its network definition states them).
    public var tridentDilations: [Int]?
    /// A sentence for people about what the source's names or values mean.
    public var note: String?

    /// Creates semantics that state nothing.
    public init() {}

    /// The eps every norm computes with.
    public var effectiveNormEps: Double { normEps ?? Self.defaultNormEps }

    /// These semantics with every field `other` states taking its place.
    ///
    /// - Parameter other: the semantics that win where they state a field.
    /// - Returns: the merged semantics.
    public func overridden(by other: WeightSemantics) -> WeightSemantics {
        var result = self
        func take<Value>(_ field: WritableKeyPath<WeightSemantics, Value?>) {
            if let value = other[keyPath: field] { result[keyPath: field] = value }
        }
        take(\.norm); take(\.normEps); take(\.strideIn); take(\.channelOrder); take(\.pixelMean); take(\.pixelStd)
        take(\.pixelScale); take(\.classOrder); take(\.roiAlign); take(\.ese); take(\.centernessOn); take(\.inputNorm)
        take(\.res5Dilation); take(\.tridentDilations)
        take(\.note)
        return result
    }

    /// Checks what no framework computes with: an eps that is not a finite number of at least 0, pixel
    /// statistics that are not three finite numbers (a std of 0 included).
    ///
    /// - Throws: `WeightKitError` naming the key and the value.
    public func validate() throws(WeightKitError) {
        if let eps = normEps, !(eps.isFinite && eps >= 0 && eps < 1) {
            throw WeightKitError(.invalidArgument, "a norm eps of \(eps) is not a finite number in [0, 1)")
        }
        if let dilation = res5Dilation, !(1...2).contains(dilation) {
            throw WeightKitError(.invalidArgument, "a res5 dilation of \(dilation) is neither 1 nor 2, the ones frameworks build")
        }
        if let dilations = tridentDilations, !(1...4).contains(dilations.count) || !dilations.allSatisfy({ (1...8).contains($0) }) {
            throw WeightKitError(.invalidArgument, "trident dilations \(dilations) are not 1 to 4 branches of dilation 1 to 8")
        }
        for (key, values) in [("pixel_mean", pixelMean), ("pixel_std", pixelStd)] {
            guard let values else { continue }
            guard values.count == 3, values.allSatisfy(\.isFinite), key != "pixel_std" || values.allSatisfy({ $0 > 0 }) else {
                throw WeightKitError(.invalidArgument, "\(key) \(values) is not three finite numbers"
                    + (key == "pixel_std" ? " above 0" : ""))
            }
        }
    }
}
