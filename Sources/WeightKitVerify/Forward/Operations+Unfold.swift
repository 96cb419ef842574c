extension Operations {
    /// Unfolds output rows `rows` of every kernel tap into `col` ([channels·kh·kw, rows.count·outW] for all
    /// the group's channels), writing the rows that belong to `channels`, widened to `Scalar`.
    static func im2col<Scalar: BLASScalar>(
        _ input: UnsafePointer<Float>, channels: Range<Int>, of map: FeatureMap, _ convolution: Convolution,
        rows: Range<Int>, outW: Int, into col: UnsafeMutablePointer<Scalar>
    ) {
        let (kh, kw) = convolution.kernel, shape = convolution.shape
        let height = map.height, width = map.width
        let band = rows.count * outW
        var row = channels.lowerBound * kh * kw
        for channel in channels {
            let plane = input + channel * height * width
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let target = col + row * band
                    for oy in rows {
                        let iy = oy * shape.stride - shape.padding + ky * shape.dilation
                        let line = target + (oy - rows.lowerBound) * outW
                        guard iy >= 0, iy < height else {
                            line.update(repeating: 0, count: outW)
                            continue
                        }
                        unfoldLine(plane + iy * width, width: width, shift: kx * shape.dilation - shape.padding,
                                   stride: shape.stride, outW: outW, into: line)
                    }
                    row += 1
                }
            }
        }
    }

    /// One output row of one tap: input `source[ox·stride + shift]`, 0 outside the row.
    private static func unfoldLine<Scalar: BLASScalar>(
        _ source: UnsafePointer<Float>, width: Int, shift: Int, stride: Int, outW: Int, into line: UnsafeMutablePointer<Scalar>
    ) {
        guard stride == 1 else {
            for ox in 0..<outW {
                let ix = ox * stride + shift
                line[ox] = ix >= 0 && ix < width ? Scalar(source[ix]) : 0
            }
            return
        }
        // Stride 1: the valid outputs form one run.
        let first = min(max(0, -shift), outW), last = max(min(outW, width - shift), first)
        line.update(repeating: 0, count: first)
        if Scalar.self == Float.self {
            (UnsafeMutableRawPointer(line + first)).assumingMemoryBound(to: Float.self)
                .update(from: source + first + shift, count: last - first)
        } else {
            for index in first..<last { line[index] = Scalar(source[index + shift]) }
        }
        (line + last).update(repeating: 0, count: outW - last)
    }

    /// The channels of `parts` side by side for output rows `rows` (a 1x1 convolution of their
    /// concatenation), writing the rows of channels `channels` of the concatenation, widened to `Scalar`.
    static func gather<Scalar: BLASScalar>(
        _ parts: [(values: UnsafePointer<Float>, channels: Int)], channels: Range<Int>, rows: Range<Int>, width: Int,
        plane: Int, into col: UnsafeMutablePointer<Scalar>
    ) {
        let band = rows.count * width, offset = rows.lowerBound * width
        var first = 0
        for part in parts {
            let low = max(channels.lowerBound, first), high = min(channels.upperBound, first + part.channels)
            if low < high {
                for channel in low..<high {
                    let source = part.values + (channel - first) * plane + offset
                    let line = col + channel * band
                    for index in 0..<band { line[index] = Scalar(source[index]) }
                }
            }
            first += part.channels
        }
    }

    /// Depthwise convolution: each channel with its own kh × kw filter, summed in `Scalar`.
    static func depthwise<Scalar: BLASScalar>(
        _: Scalar.Type, _ input: FeatureMap, weight: [Float], _ convolution: Convolution, into output: inout FeatureMap
    ) {
        let (kh, kw) = convolution.kernel, shape = convolution.shape
        let outH = output.height, outW = output.width, height = input.height, width = input.width
        input.values.withUnsafeBufferPointer { source in
            weight.withUnsafeBufferPointer { filters in
                output.values.withUnsafeMutableBufferPointer { target in
                    guard let source = source.baseAddress, let filters = filters.baseAddress, let target = target.baseAddress else { return }
                    ParallelWork.split(input.channels, valuesEach: outH * outW * kh * kw) { channels in
                        for channel in channels {
                            let plane = source + channel * height * width
                            let out = target + channel * outH * outW
                            let w = filters + channel * kh * kw
                            for oy in 0..<outH {
                                for ox in 0..<outW {
                                    var sum: Scalar = 0
                                    for ky in 0..<kh {
                                        let iy = oy * shape.stride - shape.padding + ky * shape.dilation
                                        guard iy >= 0, iy < height else { continue }
                                        for kx in 0..<kw {
                                            let ix = ox * shape.stride - shape.padding + kx * shape.dilation
                                            guard ix >= 0, ix < width else { continue }
                                            sum += Scalar(plane[iy * width + ix]) * Scalar(w[ky * kw + kx])
                                        }
                                    }
                                    out[oy * outW + ox] = Float(sum)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
