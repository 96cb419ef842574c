/// How a file's weights compute, as typed values: norm kind and eps, stride placement, the input the weights
/// expect, class order, how boxes are pooled, where eSE sits. Layouts state them, readers and the mapper
/// fill them in, writers and the verifier use them; they become strings only at a container's boundary
/// (`recorded`, `init(recorded:)`). A nil field is one nobody stated.
public struct WeightSemantics: Sendable, Equatable {
    /// The eps of every norm when nothing states one (torch, detectron2 and gluon use it).
    public static let defaultNormEps = 1e-5

    public var norm: NormKind?
    public var normEps: Double?
    public var strideIn: StrideIn?
    public var channelOrder: ChannelOrder?
    /// Per input channel, in `channelOrder`.
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?
    public var pixelScale: PixelScale?
    public var classOrder: ClassOrder?
    public var roiAlign: RoIAlignSemantics?
    public var ese: EsePlacement?
    public var centernessOn: Tower?
    public var inputNorm: InputNormalization?
    /// The dilation of the ResNet's res5 (stride 1 in its first block instead of 2): SimpleDet's c4c5
    /// backbones and detectron2's `RES5_DILATION: 2`.
    public var res5Dilation: Int?
    /// TridentNet: res4's blocks after the first run once per branch with these 3x3 dilations, every branch
    /// with the same weights (SimpleDet's trident units; its network definition states them).
    public var tridentDilations: [Int]?
    /// A sentence for people about what the source's names or values mean.
    public var note: String?

    public init() {}

    /// The eps every norm computes with.
    public var effectiveNormEps: Double { normEps ?? Self.defaultNormEps }

    /// These semantics with every field `other` states taking its place.
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
