import WeightKitCore

/// One IRF block of an FBNet (maskrcnn-benchmark's `IRFBlock`) in WeightKit's names under `prefix`: the
/// pointwise expansion `pw` (convolution, norm, ReLU), nearest upsampling where the architecture's stride is
/// negative, the depthwise `dw` convolution (bare, as `DW_CONV_SKIP_BN`/`DW_CONV_SKIP_RELU` build it, or with
/// norm and ReLU where the file has its norm or the bias folding one left), the linear projection `pwl`
/// (convolution and norm) and the identity added when the stride is 1 and the widths agree.
struct FBNetBlock: Sendable {
    let prefix: String
    let stride: Int
    let residual: Bool
    let activatedDepthwise: Bool

    /// The block under `prefix` (ending in a dot) with the architecture's stride, its widths read from its
    /// weights.
    ///
    /// - Throws: `WeightKitError` for grouped pointwise convolutions (FBNet's shuffle blocks) and
    ///   squeeze-excitation, which WeightKit does not run, and for weights of the wrong rank.
    init(prefix: String, stride: Int, in tensors: TensorCollection) throws(WeightKitError) {
        for layer in ["pw", "dw", "pwl"] { try tensors.requireRank(prefix + layer + ".weight", 4) }
        guard let pw = tensors[prefix + "pw.weight"], let pwl = tensors[prefix + "pwl.weight"] else {
            throw WeightKitError(.malformed, "an FBNet block needs pw and pwl convolutions", location: .init(tensor: prefix + "pwl.weight"))
        }
        let mid = pw.shape.dimensions[0]
        guard pwl.shape.dimensions[1] == mid else {
            throw WeightKitError(.unsupported, "is a grouped pointwise convolution (an FBNet shuffle block), which WeightKit does not run",
                                 location: .init(tensor: prefix + "pwl.weight"))
        }
        if tensors.tensors.contains(where: { $0.name.hasPrefix(prefix + "se") }) {
            throw WeightKitError(.unsupported, "has squeeze-excitation, which WeightKit does not run in FBNet blocks",
                                 location: .init(tensor: prefix + "se"))
        }
        self.prefix = prefix
        self.stride = stride
        residual = stride == 1 && pw.shape.dimensions[1] == pwl.shape.dimensions[0]
        activatedDepthwise = tensors[prefix + "dw.norm.weight"] != nil || tensors[prefix + "dw.bias"] != nil
    }

    /// The block on `x`.
    func run(_ x: FeatureMap, _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var y = try weights.convolutionWithNorm(x, prefix + "pw")
        if stride < 0 { y = try weights.upsampleNearest(y, factor: -stride) }
        if weights.has(prefix + "dw.weight") {
            y = try weights.convolution(y, weight: prefix + "dw.weight", bias: prefix + "dw.bias", stride: max(stride, 1))
            if activatedDepthwise { try weights.normalize(&y, prefix + "dw.norm", relu: true) }
        }
        y = try weights.convolutionWithNorm(y, prefix + "pwl", relu: false)
        if residual { try weights.add(&y, x) }
        return y
    }

    /// `blocks` in order on `x`.
    static func run(_ blocks: [FBNetBlock], _ x: FeatureMap, _ weights: NetworkWeights) throws(WeightKitError) -> FeatureMap {
        var y = x
        for block in blocks { y = try block.run(y, weights) }
        return y
    }
}
