import COpenBLAS
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// The layers of the reference forward pass. Convolutions are im2col + `cblas_sgemm`; everything else is
/// plain loops over C×H×W float32 maps.
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

    /// The floats of the im2col buffer `conv2d` allocates (0 for 1x1 stride-1 and depthwise convolutions).
    static func columnBufferCount(
        _ input: FeatureMap, outChannels: Int, kernel: (Int, Int), _ shape: ConvolutionShape
    ) -> Int {
        let (outH, outW) = outputSize(input, kernel: kernel, shape)
        guard outH > 0, outW > 0, shape.groups > 0 else { return 0 }
        let inPerGroup = input.channels / shape.groups
        if shape.groups == input.channels, inPerGroup == 1, outChannels / shape.groups == 1 { return 0 }
        if kernel.0 == 1 && kernel.1 == 1 && shape.stride == 1 && shape.padding == 0 { return 0 }
        let (depth, overflow) = inPerGroup.multipliedReportingOverflow(by: kernel.0 &* kernel.1)
        guard !overflow, kernel.0 < 1 << 31, kernel.1 < 1 << 31 else { return Int.max }
        let rows = max(1, min(outH, columnBudget / max(depth * outW, 1)))
        let (count, overflow2) = depth.multipliedReportingOverflow(by: rows &* outW)
        return overflow2 ? Int.max : count
    }

    /// 2-D convolution. `weight` is [out, in/groups, kh, kw] in C order; `bias` is optional.
    static func conv2d(
        _ input: FeatureMap, weight: [Float], outChannels: Int, kernel: (Int, Int), bias: [Float]?,
        _ shape: ConvolutionShape
    ) -> FeatureMap {
        let (kh, kw) = kernel
        let (outH, outW) = outputSize(input, kernel: kernel, shape)
        var output = FeatureMap(channels: outChannels, height: outH, width: outW)
        guard outH > 0, outW > 0 else { return output }
        let inPerGroup = input.channels / shape.groups
        let outPerGroup = outChannels / shape.groups
        let columns = outH * outW
        let depth = inPerGroup * kh * kw
        if shape.groups == input.channels, inPerGroup == 1, outPerGroup == 1 {
            depthwise(input, weight: weight, kernel: kernel, shape, into: &output)
        } else {
            let direct = kh == 1 && kw == 1 && shape.stride == 1 && shape.padding == 0
            // im2col one band of output rows at a time, so the column buffer stays in cache.
            let rowsPerBand = direct ? outH : max(1, min(outH, columnBudget / max(depth * outW, 1)))
            var col = [Float](repeating: 0, count: direct ? 0 : depth * rowsPerBand * outW)
            input.values.withUnsafeBufferPointer { source in
                weight.withUnsafeBufferPointer { filters in
                    output.values.withUnsafeMutableBufferPointer { target in
                        for group in 0..<shape.groups {
                            let groupInput = source.baseAddress! + group * inPerGroup * input.plane
                            let a = filters.baseAddress! + group * outPerGroup * depth
                            let c = target.baseAddress! + group * outPerGroup * columns
                            if direct {
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(outPerGroup), Int32(columns), Int32(depth),
                                            1, a, Int32(depth), groupInput, Int32(columns), 0, c, Int32(columns))
                                continue
                            }
                            for firstRow in stride(from: 0, to: outH, by: rowsPerBand) {
                                let rows = min(rowsPerBand, outH - firstRow)
                                let band = rows * outW
                                im2col(groupInput, channels: inPerGroup, height: input.height, width: input.width,
                                       kernel: kernel, shape, rows: firstRow..<firstRow + rows, outW: outW, into: &col)
                                col.withUnsafeBufferPointer { colBuffer in
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                                Int32(outPerGroup), Int32(band), Int32(depth),
                                                1, a, Int32(depth), colBuffer.baseAddress!, Int32(band), 0,
                                                c + firstRow * outW, Int32(columns))
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias {
            output.values.withUnsafeMutableBufferPointer { values in
                for channel in 0..<outChannels {
                    let b = bias[channel]
                    let row = values.baseAddress! + channel * columns
                    for index in 0..<columns { row[index] += b }
                }
            }
        }
        return output
    }

    /// Floats of column buffer to aim for per band (about 4 MiB).
    static let columnBudget = 1 << 20

    /// Unfolds output rows `rows` of every kernel tap into `col`: [channels*kh*kw, rows.count*outW].
    private static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernel: (Int, Int),
        _ shape: ConvolutionShape, rows: Range<Int>, outW: Int, into col: inout [Float]
    ) {
        let (kh, kw) = kernel
        let band = rows.count * outW
        col.withUnsafeMutableBufferPointer { buffer in
            var row = 0
            for channel in 0..<channels {
                let plane = input + channel * height * width
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let target = buffer.baseAddress! + row * band
                        for oy in rows {
                            let iy = oy * shape.stride - shape.padding + ky * shape.dilation
                            let line = target + (oy - rows.lowerBound) * outW
                            if iy < 0 || iy >= height {
                                line.update(repeating: 0, count: outW)
                                continue
                            }
                            let shift = kx * shape.dilation - shape.padding
                            if shape.stride == 1 {
                                // Stride 1: the valid outputs form one run copied in a block.
                                let first = min(max(0, -shift), outW), last = max(min(outW, width - shift), first)
                                line.update(repeating: 0, count: first)
                                if last > first {
                                    (line + first).update(from: plane + iy * width + first + shift, count: last - first)
                                }
                                (line + last).update(repeating: 0, count: outW - last)
                                continue
                            }
                            for ox in 0..<outW {
                                let ix = ox * shape.stride + shift
                                line[ox] = ix >= 0 && ix < width ? plane[iy * width + ix] : 0
                            }
                        }
                        row += 1
                    }
                }
            }
        }
    }

    private static func depthwise(
        _ input: FeatureMap, weight: [Float], kernel: (Int, Int), _ shape: ConvolutionShape,
        into output: inout FeatureMap
    ) {
        let (kh, kw) = kernel
        let outH = output.height, outW = output.width
        let height = input.height, width = input.width
        input.values.withUnsafeBufferPointer { source in
            weight.withUnsafeBufferPointer { filters in
                output.values.withUnsafeMutableBufferPointer { target in
                    for channel in 0..<input.channels {
                        let plane = source.baseAddress! + channel * height * width
                        let out = target.baseAddress! + channel * outH * outW
                        let w = filters.baseAddress! + channel * kh * kw
                        for oy in 0..<outH {
                            for ox in 0..<outW {
                                var sum: Float = 0
                                for ky in 0..<kh {
                                    let iy = oy * shape.stride - shape.padding + ky * shape.dilation
                                    if iy < 0 || iy >= height { continue }
                                    for kx in 0..<kw {
                                        let ix = ox * shape.stride - shape.padding + kx * shape.dilation
                                        if ix < 0 || ix >= width { continue }
                                        sum += plane[iy * width + ix] * w[ky * kw + kx]
                                    }
                                }
                                out[oy * outW + ox] = sum
                            }
                        }
                    }
                }
            }
        }
    }

    /// Batch / frozen norm: y = (x - mean) / sqrt(var + eps) * gamma + beta, computed per channel in float64.
    static func batchNorm(
        _ input: inout FeatureMap, weight: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Double
    ) {
        for channel in 0..<input.channels {
            let scale = Double(weight[channel]) / (Double(variance[channel]) + eps).squareRoot()
            let shift = Double(bias[channel]) - Double(mean[channel]) * scale
            let (s, b) = (Float(scale), Float(shift))
            let plane = input.plane
            input.values.withUnsafeMutableBufferPointer { values in
                let row = values.baseAddress! + channel * plane
                for index in 0..<plane { row[index] = row[index] * s + b }
            }
        }
    }

    static func relu(_ input: inout FeatureMap) {
        input.values.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = max(values[index], 0) }
        }
    }

    /// Max pooling; with `ceilMode`, a last window that starts inside the input (or its left padding) counts.
    static func maxPool(_ input: FeatureMap, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> FeatureMap {
        let (outH, outW) = poolSize(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        var output = FeatureMap(channels: input.channels, height: outH, width: outW)
        for channel in 0..<input.channels {
            let base = channel * input.plane
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Float.infinity
                    for ky in 0..<kernel {
                        let iy = oy * stride - padding + ky
                        if iy < 0 || iy >= input.height { continue }
                        for kx in 0..<kernel {
                            let ix = ox * stride - padding + kx
                            if ix < 0 || ix >= input.width { continue }
                            best = max(best, input.values[base + iy * input.width + ix])
                        }
                    }
                    output.values[channel * outH * outW + oy * outW + ox] = best
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
                for index in values.indices { values[index] += addend[index] }
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

    static func groupNorm(_ input: inout FeatureMap, groups: Int, weight: [Float], bias: [Float], eps: Double) {
        let perGroup = input.channels / groups
        for group in 0..<groups {
            let start = group * perGroup * input.plane, end = start + perGroup * input.plane
            var sum: Double = 0, squares: Double = 0
            for index in start..<end {
                sum += Double(input.values[index])
                squares += Double(input.values[index]) * Double(input.values[index])
            }
            let count = Double(end - start)
            let mean = sum / count
            let inverse = 1 / (squares / count - mean * mean + eps).squareRoot()
            for channel in group * perGroup..<(group + 1) * perGroup {
                let base = channel * input.plane
                for index in base..<base + input.plane {
                    input.values[index] = Float((Double(input.values[index]) - mean) * inverse) * weight[channel] + bias[channel]
                }
            }
        }
    }

    /// y = W x + b with W [out, in].
    static func linear(_ input: [Float], weight: [Float], bias: [Float]?, outFeatures: Int) -> [Float] {
        var output = bias ?? [Float](repeating: 0, count: outFeatures)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outFeatures), Int32(input.count), 1, weight,
                    Int32(input.count), input, 1, bias == nil ? 0 : 1, &output, 1)
        return output
    }
}
