import WeightKitCore
import WeightKitFormats

/// One method per layer of the reference pass, each adding the standard ONNX nodes that compute what the
/// pass computes (`docs/onnx.md` says which op expresses which framework semantics, and why).
extension GraphTrace {
    /// The graph value `map` stands for.
    ///
    /// - Throws: `WeightKitError` when the map was made by a step the trace does not follow.
    func value(_ map: FeatureMap, readBy reader: String) throws(WeightKitError) -> String {
        guard let symbol = map.symbol else {
            throw WeightKitError(.unsupported, "the ONNX export cannot follow the map that \(reader) reads")
        }
        return symbol
    }

    private static func module(_ tensor: String) -> String {
        tensor.hasSuffix(".weight") ? String(tensor.dropLast(".weight".count)) : tensor
    }

    func convolution(
        _ x: String, weight: String, bias: String?, kernel: (Int, Int), stride: Int, padding: Int, dilation: Int, groups: Int
    ) throws(WeightKitError) -> String {
        var inputs = [x, try self.weight(weight)]
        if let bias, collection[bias] != nil { inputs.append(try self.weight(bias)) }
        return node("Conv", inputs, [
            "kernel_shape": .ints([kernel.0, kernel.1]), "strides": .ints([stride, stride]),
            "pads": .ints([padding, padding, padding, padding]), "dilations": .ints([dilation, dilation]), "group": .int(groups),
        ], named: Self.module(weight))
    }

    func transposedConvolution(_ x: String, weight: String, bias: String?, kernel: Int, stride: Int, padding: Int) throws(WeightKitError)
        -> String
    {
        var inputs = [x, try self.weight(weight)]
        if let bias, collection[bias] != nil { inputs.append(try self.weight(bias)) }
        return node("ConvTranspose", inputs, [
            "kernel_shape": .ints([kernel, kernel]), "strides": .ints([stride, stride]),
            "pads": .ints([padding, padding, padding, padding]),
        ], named: Self.module(weight))
    }

    /// Inference-mode BatchNormalization with the source's eps; the four tensors stay as they are in the file.
    func batchNorm(_ x: String, _ prefix: String, eps: Double) throws(WeightKitError) -> String {
        let inputs = [x] + (try ["weight", "bias", "running_mean", "running_var"].map { part throws(WeightKitError) in
            try weight(prefix + "." + part)
        })
        return node("BatchNormalization", inputs, ["epsilon": .float(Float(eps))], named: prefix)
    }

    func relu(_ x: String) -> String { node("Relu", [x], named: "relu") }

    func add(_ x: String, _ y: String) -> String { node("Add", [x, y], named: "add") }

    func maxPool(_ x: String, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> String {
        node("MaxPool", [x], [
            "kernel_shape": .ints([kernel, kernel]), "strides": .ints([stride, stride]),
            "pads": .ints([padding, padding, padding, padding]), "ceil_mode": .int(ceilMode ? 1 : 0),
        ], named: "maxpool")
    }

    func concat(_ values: [String]) -> String { node("Concat", values, ["axis": .int(1)], named: "concat") }

    func globalAveragePool(_ x: String) -> String { node("GlobalAveragePool", [x], named: "pool") }

    /// A fully connected layer on everything after the batch axis (Flatten, then Gemm with the `[out, in]`
    /// weight transposed).
    func linear(_ x: String, _ name: String) throws(WeightKitError) -> String {
        let flat = node("Flatten", [x], ["axis": .int(1)], named: name + ".flatten")
        var inputs = [flat, try weight(name + ".weight")]
        if collection[name + ".bias"] != nil { inputs.append(try weight(name + ".bias")) }
        return markMatrix(node("Gemm", inputs, ["transB": .int(1)], named: name))
    }

    /// Multiplies by the scalar (or one-element) tensor `name`.
    func scale(_ x: String, by name: String) throws(WeightKitError) -> String {
        node("Mul", [x, try weight(name)], named: Self.module(name))
    }

    /// `x` times hardsigmoid(`gate`) per channel: eSE's gate, relu6(g + 3) / 6 as HardSigmoid(1/6, 0.5).
    func gate(_ x: String, by gate: String) -> String {
        let sigmoid = node("HardSigmoid", [gate], ["alpha": .float(1.0 / 6), "beta": .float(0.5)], named: "hardsigmoid")
        return node("Mul", [x, sigmoid], named: "gate")
    }
}
