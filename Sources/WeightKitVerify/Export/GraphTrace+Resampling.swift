import WeightKitCore
import WeightKitFormats

/// Resizing and GroupNorm: the layers whose ONNX form needs shapes or a lowering.
extension GraphTrace {
    /// Nearest upsampling of `x` to the height and width of `reference`, whatever the input size: Resize
    /// with sizes taken from the graph, asymmetric coordinates and floor rounding (PyTorch's `nearest`).
    func upsampleNearest(_ x: String, toSizeOf reference: String) throws(WeightKitError) -> String {
        let leading = node("Slice", [node("Shape", [x], named: "shape"), try constant(int64s: [0]), try constant(int64s: [2])],
                           named: "shape.nc")
        let trailing = node("Slice", [node("Shape", [reference], named: "shape"), try constant(int64s: [2]),
                                      try constant(int64s: [4])], named: "shape.hw")
        let sizes = node("Concat", [leading, trailing], ["axis": .int(0)], named: "sizes")
        return node("Resize", [x, "", "", sizes], Self.nearest, named: "upsample")
    }

    /// Nearest upsampling by an integer factor.
    func upsampleNearest(_ x: String, factor: Int) throws(WeightKitError) -> String {
        let scales = try constant(floats: [1, 1, Float(factor), Float(factor)])
        return node("Resize", [x, "", scales], Self.nearest, named: "upsample")
    }

    /// The mean over the last axis of a (N, G, L) value, kept as (N, G, 1); ReduceMean takes its axes as an
    /// input from opset 18.
    private func mean(_ x: String, _ hint: String) throws(WeightKitError) -> String {
        opset >= 18
            ? node("ReduceMean", [x, try constant(int64s: [2])], ["keepdims": .int(1)], named: hint)
            : node("ReduceMean", [x], ["axes": .ints([2]), "keepdims": .int(1)], named: hint)
    }

    private static let nearest: [String: ONNXNode.Attribute] = [
        "mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor"),
    ]

    /// Bilinear upsampling by an integer factor with half-pixel centres (PyTorch's `align_corners=False`).
    func upsampleBilinear(_ x: String, factor: Int) throws(WeightKitError) -> String {
        let scales = try constant(floats: [1, 1, Float(factor), Float(factor)])
        return node("Resize", [x, "", scales], [
            "mode": .string("linear"), "coordinate_transformation_mode": .string("pytorch_half_pixel"),
        ], named: "upsample")
    }

    /// GroupNorm with `groups` groups over `channels` channels and the affine `prefix.weight`, `prefix.bias`:
    /// GroupNormalization from opset 21; before it, each group's mean and then its centred variance
    /// (two passes, as PyTorch's kernel is accurate to; InstanceNormalization's one-pass variance loses
    /// digits on small groups), then the per-channel affine.
    func groupNorm(_ x: String, _ prefix: String, groups: Int, channels: Int, eps: Double) throws(WeightKitError) -> String {
        let scale = try weight(prefix + ".weight"), bias = try weight(prefix + ".bias")
        if opset >= 21 {
            return node("GroupNormalization", [x, scale, bias], ["epsilon": .float(Float(eps)), "num_groups": .int(groups)],
                        named: prefix)
        }
        let grouped = node("Reshape", [x, try constant(int64s: [0, groups, -1])], named: prefix + ".groups")
        let centred = node("Sub", [grouped, try mean(grouped, prefix + ".mean")], named: prefix + ".centred")
        let variance = try mean(node("Mul", [centred, centred], named: prefix + ".squares"), prefix + ".variance")
        let deviation = node("Sqrt", [node("Add", [variance, try constant(floats: [Float(eps)], shape: [])], named: prefix + ".eps")],
                             named: prefix + ".deviation")
        let normalized = node("Div", [centred, deviation], named: prefix + ".normalized")
        let restored = node("Reshape", [normalized, node("Shape", [x], named: "shape")], named: prefix + ".restored")
        let perChannel = try constant(int64s: [channels, 1, 1])
        let scaled = node("Mul", [restored, node("Reshape", [scale, perChannel], named: prefix + ".scale")], named: prefix + ".scaled")
        return node("Add", [scaled, node("Reshape", [bias, perChannel], named: prefix + ".shift")], named: prefix)
    }
}
