import COpenBLAS
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// The layers of the reference forward pass: plain loops over C×H×W float32 maps, split over the cores
/// (convolutions are in `Operations+Convolution.swift`).
package enum Operations {
    struct ConvolutionShape {
        var stride = 1
        var padding = 0
        var dilation = 1
        var groups = 1
    }

    /// The output height and width of a convolution (0 when the kernel is wider than the padded input).
    static func outputSize(_ input: FeatureMap, kernel: (Int, Int), _ shape: ConvolutionShape) -> (Int, Int) {
        let outH = (input.height + 2 * shape.padding - shape.dilation * (kernel.0 - 1) - 1) / shape.stride + 1
        let outW = (input.width + 2 * shape.padding - shape.dilation * (kernel.1 - 1) - 1) / shape.stride + 1
        return (max(outH, 0), max(outW, 0))
    }

    /// Batch / frozen norm: y = (x - mean) / sqrt(var + eps) * gamma + beta, the scale and shift computed per
    /// channel in float64 and applied in `precision`; with `relu`, max(y, 0) in the same pass.
    static func batchNorm(
        _ input: inout FeatureMap, weight: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Double,
        relu: Bool = false, precision: ForwardPrecision = .reference
    ) {
        let affine = (0..<input.channels).map { channel -> (Double, Double) in
            let scale = Double(weight[channel]) / (Double(variance[channel]) + eps).squareRoot()
            return (scale, Double(bias[channel]) - Double(mean[channel]) * scale)
        }
        switch precision {
        case .reference: scaleAndShift(&input, affine, relu: relu, in: Double.self)
        case .float32: scaleAndShift(&input, affine.map { (Float($0.0), Float($0.1)) }, relu: relu, in: Float.self)
        }
    }

    /// x · s + b per channel, in `Scalar`, then ReLU where asked.
    private static func scaleAndShift<Scalar: BLASScalar>(
        _ input: inout FeatureMap, _ affine: [(Scalar, Scalar)], relu: Bool, in _: Scalar.Type
    ) {
        let plane = input.plane
        input.values.withUnsafeMutableBufferPointer { values in
            guard let base = values.baseAddress else { return }
            ParallelWork.split(input.channels, valuesEach: plane) { channels in
                for channel in channels {
                    let (s, b) = affine[channel]
                    let row = base + channel * plane
                    if relu {
                        for index in 0..<plane { row[index] = Float(max(Scalar(row[index]) * s + b, 0)) }
                    } else {
                        for index in 0..<plane { row[index] = Float(Scalar(row[index]) * s + b) }
                    }
                }
            }
        }
    }

    static func relu(_ input: inout FeatureMap) {
        input.values.withUnsafeMutableBufferPointer { values in
            guard let base = values.baseAddress else { return }
            ParallelWork.split(values.count, valuesEach: 1) { range in
                for index in range { base[index] = max(base[index], 0) }
            }
        }
    }

    /// Max pooling; with `ceilMode`, a last window that starts inside the input (or its left padding) counts.
    static func maxPool(_ input: FeatureMap, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> FeatureMap {
        let (outH, outW) = poolSize(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        // Every window of a non-empty input holds at least one value (ceil mode drops windows that start
        // past the input).
        var output = FeatureMap(channels: input.channels, height: outH, width: outW)
        let height = input.height, width = input.width
        input.values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress, !source.isEmpty else { return }
                ParallelWork.split(input.channels, valuesEach: outH * outW * kernel * kernel) { channels in
                    for channel in channels {
                        let plane = sourceBase + channel * height * width
                        let out = targetBase + channel * outH * outW
                        for oy in 0..<outH {
                            let top = max(oy * stride - padding, 0), bottom = min(oy * stride - padding + kernel, height)
                            for ox in 0..<outW {
                                let left = max(ox * stride - padding, 0), right = min(ox * stride - padding + kernel, width)
                                var best = -Float.infinity
                                for iy in top..<max(bottom, top) {
                                    for ix in left..<max(right, left) { best = max(best, plane[iy * width + ix]) }
                                }
                                out[oy * outW + ox] = best
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The output height and width of `maxPool`.
    static func poolSize(_ input: FeatureMap, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> (Int, Int) {
        func size(_ length: Int) -> Int {
            let span = length + 2 * padding - kernel
            var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
            if ceilMode, (out - 1) * stride >= length + padding { out -= 1 }
            return max(0, out)
        }
        return (size(input.height), size(input.width))
    }

    static func globalAveragePool(_ input: FeatureMap) -> [Float] {
        (0..<input.channels).map { channel in
            let base = channel * input.plane
            var sum: Double = 0
            for index in base..<base + input.plane { sum += Double(input.values[index]) }
            return Float(sum / Double(input.plane))
        }
    }

    /// Multiplies each channel by its factor.
    static func scaleChannels(_ input: inout FeatureMap, by factors: [Float]) {
        let plane = input.plane
        input.values.withUnsafeMutableBufferPointer { values in
            guard let base = values.baseAddress else { return }
            ParallelWork.split(factors.count, valuesEach: plane) { channels in
                for channel in channels {
                    let row = base + channel * plane
                    for index in 0..<plane { row[index] *= factors[channel] }
                }
            }
        }
    }

    /// relu6(x + 3) / 6.
    static func hardSigmoid(_ value: Float) -> Float {
        min(max(value + 3, 0), 6) / 6
    }

    /// Elementwise sum; the maps must have one shape (weights from a file can disagree).
    static func add(_ input: inout FeatureMap, _ other: FeatureMap) throws(WeightKitError) {
        guard (input.channels, input.height, input.width) == (other.channels, other.height, other.width) else {
            throw WeightKitError(.malformed, "cannot add a \(other.channels)x\(other.height)x\(other.width) map to a \(input.channels)x\(input.height)x\(input.width) map: the weights do not fit together")
        }
        other.values.withUnsafeBufferPointer { addend in
            input.values.withUnsafeMutableBufferPointer { values in
                guard let base = values.baseAddress, let other = addend.baseAddress else { return }
                ParallelWork.split(values.count, valuesEach: 1) { range in
                    for index in range { base[index] += other[index] }
                }
            }
        }
    }

    static func concat(_ maps: [FeatureMap]) throws(WeightKitError) -> FeatureMap {
        guard let first = maps.first, maps.allSatisfy({ $0.height == first.height && $0.width == first.width }) else {
            throw WeightKitError(.malformed, "cannot concatenate maps of different sizes")
        }
        var values: [Float] = []
        for map in maps { values += map.values }
        return FeatureMap(channels: maps.reduce(0) { $0 + $1.channels }, height: first.height,
                          width: first.width, values: values)
    }

    /// Nearest-neighbour upsampling to `height` × `width`.
    static func upsampleNearest(_ input: FeatureMap, height: Int, width: Int) -> FeatureMap {
        var output = FeatureMap(channels: input.channels, height: height, width: width)
        for channel in 0..<input.channels {
            for y in 0..<height {
                let sy = y * input.height / height
                for x in 0..<width {
                    let sx = x * input.width / width
                    output.values[channel * height * width + y * width + x] =
                        input.values[channel * input.plane + sy * input.width + sx]
                }
            }
        }
        return output
    }

    /// GroupNorm in place. The reference sums in float64; the float32 pass takes each group's mean and then
    /// its centred variance in float32, as float32 runtimes do, so that its spread from the reference is
    /// what such a runtime's is.
    static func groupNorm(
        _ input: inout FeatureMap, groups: Int, weight: [Float], bias: [Float], eps: Double, precision: ForwardPrecision = .reference
    ) {
        let perGroup = input.channels / groups
        for group in 0..<groups {
            let start = group * perGroup * input.plane, end = start + perGroup * input.plane
            let (mean, variance) = precision == .reference
                ? moments(input.values[start..<end], in: Double.self) : moments(input.values[start..<end], in: Float.self)
            let inverse = 1 / (variance + eps).squareRoot()
            for channel in group * perGroup..<(group + 1) * perGroup {
                let base = channel * input.plane
                let scale = inverse * Double(weight[channel]), shift = Double(bias[channel]) - mean * scale
                for index in base..<base + input.plane {
                    input.values[index] = Float(Double(input.values[index]) * scale + shift)
                }
            }
        }
    }

    /// The mean and the mean squared deviation from it, summed in `Scalar`.
    private static func moments<Scalar: BinaryFloatingPoint>(_ values: ArraySlice<Float>, in _: Scalar.Type) -> (Double, Double) {
        let count = Scalar(values.count)
        var sum: Scalar = 0
        for value in values { sum += Scalar(value) }
        let mean = sum / count
        var squares: Scalar = 0
        for value in values { squares += (Scalar(value) - mean) * (Scalar(value) - mean) }
        return (Double(mean), Double(squares / count))
    }

    /// y = W x + b with W [out, in], summed in `precision`.
    static func linear(
        _ input: [Float], weight: [Float], bias: [Float]?, outFeatures: Int, precision: ForwardPrecision, blas: BLAS
    ) -> [Float] {
        switch precision {
        case .float32:
            return linear(input, weight, bias, outFeatures: outFeatures, blas: blas)
        case .reference:
            return linear(input.map(Double.init), weight.map(Double.init), bias.map { $0.map(Double.init) }, outFeatures: outFeatures,
                          blas: blas).map(Float.init)
        }
    }

    private static func linear<Scalar: BLASScalar>(
        _ input: [Scalar], _ weight: [Scalar], _ bias: [Scalar]?, outFeatures: Int, blas: BLAS
    ) -> [Scalar] {
        var output = bias ?? [Scalar](repeating: 0, count: outFeatures)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { a in
                output.withUnsafeMutableBufferPointer { y in
                    guard let x = x.baseAddress, let a = a.baseAddress, let y = y.baseAddress else { return }
                    Scalar.gemv(blas, m: outFeatures, n: input.count, a, x, beta: bias == nil ? 0 : 1, y)
                }
            }
        }
        return output
    }
}
