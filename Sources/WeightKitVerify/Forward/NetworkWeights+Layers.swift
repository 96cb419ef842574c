import WeightKitCore

extension NetworkWeights {
    /// The fully connected layer `name` (`[out, in]` weight, optional bias) on every value of `input`, its
    /// shape checked; the output is a K x 1 x 1 map.
    func linear(_ input: FeatureMap, _ name: String) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(name + ".weight")
        guard shape.count == 2, shape[0] > 0, shape[1] == input.values.count else {
            throw WeightKitError(.malformed, "\(shape) does not take \(input.values.count) features", location: .init(tensor: name + ".weight"))
        }
        try Self.checkBLASDimensions(shape, name + ".weight")
        if checksShapesOnly {
            _ = try optionalVector(name + ".bias", count: shape[0])
            var output = FeatureMap(channels: shape[0], height: 1, width: 1)
            output.symbol = try trace?.linear(trace?.value(input, readBy: name) ?? "", name)
            return output
        }
        let blas = try self.blas
        return FeatureMap(channels: shape[0], height: 1, width: 1, values: Operations.linear(
            input.values, weight: try floats(name + ".weight"), bias: try optionalVector(name + ".bias", count: shape[0]),
            outFeatures: shape[0], precision: precision, blas: blas))
    }

    /// `prefix1`, `prefix2`, ... while they exist: a 3x3 convolution each, its norm where the file has one
    /// (`prefixN.norm`), then ReLU (the box head's 4conv, the mask and keypoint heads).
    func numberedConvolutions(_ x: FeatureMap, _ prefix: String) throws(WeightKitError) -> FeatureMap {
        var y = x
        var index = 1
        while has(prefix + "\(index).weight") {
            y = try convolution(y, weight: prefix + "\(index).weight", bias: prefix + "\(index).bias")
            try normalize(&y, prefix + "\(index).norm", relu: true)
            index += 1
        }
        return y
    }

    /// The transposed convolution `name` (weight `[in, out, k, k]`, optional bias) with its output reserved first.
    func transposedConvolution(_ x: FeatureMap, _ name: String, stride: Int, padding: Int) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(name + ".weight", rank: 4)
        guard shape[0] == x.channels, shape[1] > 0, shape[2] == shape[3], (1...8).contains(shape[2]) else {
            throw WeightKitError(.malformed, "transposed convolution \(shape) does not take \(x.channels) channels",
                                 location: .init(tensor: name + ".weight"))
        }
        let out = (x.height - 1) * stride - 2 * padding + shape[2]
        if checksShapesOnly {
            _ = try optionalVector(name + ".bias", count: shape[1])
            var output = try memory.map(channels: shape[1], height: max(out, 0), width: max(out, 0), for: "the output of \(name)")
            output.symbol = try trace?.transposedConvolution(trace?.value(x, readBy: name) ?? "", weight: name + ".weight",
                                                             bias: name + ".bias", kernel: shape[2], stride: stride, padding: padding)
            return output
        }
        return try memory.tracked(channels: shape[1], height: max(out, 0), width: max(out, 0), for: "the output of \(name)") {
            () throws(WeightKitError) in
            Operations.convTranspose2d(x, weight: try floats(name + ".weight"), outChannels: shape[1], kernel: shape[2],
                                       stride: stride, padding: padding,
                                       bias: try optionalVector(name + ".bias", count: shape[1]))
        }
    }

    /// The convolution module `name` (`.weight`, `.bias`) and its norm `name.norm` where the file has one,
    /// then ReLU unless `relu` is false.
    func convolutionWithNorm(
        _ x: FeatureMap, _ name: String, stride: Int = 1, dilation: Int = 1, relu: Bool = true
    ) throws(WeightKitError) -> FeatureMap {
        var y = try convolution(x, weight: name + ".weight", bias: name + ".bias", stride: stride, dilation: dilation)
        try normalize(&y, name + ".norm", relu: relu)
        return y
    }

    /// GroupNorm `prefix` in place where the file has one (a 1-d `.weight`), with AdelaiDet's and
    /// torchvision's group count.
    func groupNormIfPresent(_ y: inout FeatureMap, _ prefix: String) throws(WeightKitError) {
        guard has(prefix + ".weight"), try shape(prefix + ".weight").count == 1, y.channels > 0 else { return }
        if checksShapesOnly {
            for part in ["weight", "bias"] { _ = try vector(prefix + "." + part, count: y.channels) }
            y.symbol = try trace?.groupNorm(trace?.value(y, readBy: prefix) ?? "", prefix, groups: Self.groupNormGroups(y.channels),
                                            channels: y.channels, eps: 1e-5)
            return
        }
        Operations.groupNorm(&y, groups: Self.groupNormGroups(y.channels), weight: try vector(prefix + ".weight", count: y.channels),
                             bias: try vector(prefix + ".bias", count: y.channels), eps: 1e-5, precision: precision)
    }

    /// GroupNorm(32, C) as AdelaiDet builds it, or the largest divisor of C below 32 for narrow heads.
    static func groupNormGroups(_ channels: Int) -> Int {
        (1...max(1, min(32, channels))).reversed().first { channels % $0 == 0 } ?? 1
    }
}
