import COpenBLAS
import WeightKitCore

/// Convolutions as im2col + `cblas_sgemm`, split over the cores by the pass itself: each part unfolds and
/// multiplies its own band of output rows (or its own output channels, when the map is small) with BLAS on
/// one thread. A BLAS that threads each product leaves a core idle and spinning while the other unfolds,
/// normalises or pools, and competes with those loops when they are split too.
extension Operations {
    /// Floats of column buffer to aim for per band (about 4 MiB), per part working at once.
    static let columnBudget = 1 << 20

    /// Products narrower than this many columns per part are split by output channels instead.
    static let minimumColumnsPerPart = 128

    /// How `conv2d` unfolds one group: bands of `rowsPerBand` output rows, `buffers` of them at once (one per
    /// part when the bands run in parallel).
    struct UnfoldPlan {
        var rowsPerBand: Int
        var buffers: Int
        var bandsInParallel: Bool { buffers > 1 }

        init(outH: Int, outW: Int, depth: Int) {
            let fit = max(1, min(outH, columnBudget / max(depth &* outW, 1)))
            let perPart = (outH + ParallelWork.cores - 1) / ParallelWork.cores
            if ParallelWork.cores > 1, outH >= 2 * ParallelWork.cores, outW &* min(fit, perPart) >= minimumColumnsPerPart {
                rowsPerBand = min(fit, perPart)
                buffers = min(ParallelWork.cores, (outH + rowsPerBand - 1) / rowsPerBand)
            } else {
                rowsPerBand = fit
                buffers = 1
            }
        }
    }

    /// The floats of the im2col or Winograd buffers `conv2d` allocates (0 for 1x1 stride-1 and depthwise
    /// convolutions).
    static func columnBufferCount(
        _ input: FeatureMap, outChannels: Int, kernel: (Int, Int), _ shape: ConvolutionShape
    ) -> Int {
        let (outH, outW) = outputSize(input, kernel: kernel, shape)
        guard outH > 0, outW > 0, shape.groups > 0 else { return 0 }
        let inPerGroup = input.channels / shape.groups
        if shape.groups == input.channels, inPerGroup == 1, outChannels / shape.groups == 1 { return 0 }
        if kernel.0 == 1 && kernel.1 == 1 && shape.stride == 1 && shape.padding == 0 { return 0 }
        if usesWinograd(inChannels: input.channels, outChannels: outChannels, outH: outH, outW: outW, kernel: kernel, shape) {
            return WinogradPlan(inChannels: input.channels, outChannels: outChannels, tiles: tileCount(outH, outW)).bufferFloats
        }
        let (depth, overflow) = inPerGroup.multipliedReportingOverflow(by: kernel.0 &* kernel.1)
        guard !overflow, kernel.0 < 1 << 31, kernel.1 < 1 << 31 else { return Int.max }
        let plan = UnfoldPlan(outH: outH, outW: outW, depth: depth)
        let (perBuffer, overflow2) = depth.multipliedReportingOverflow(by: plan.rowsPerBand &* outW)
        let (count, overflow3) = perBuffer.multipliedReportingOverflow(by: plan.buffers)
        return overflow2 || overflow3 ? Int.max : count
    }

    /// 2-D convolution. `weight` is [out, in/groups, kh, kw] in C order; `bias` is optional.
    static func conv2d(
        _ input: FeatureMap, weight: [Float], outChannels: Int, kernel: (Int, Int), bias: [Float]?,
        _ shape: ConvolutionShape, blas: BLAS
    ) -> FeatureMap {
        let (kh, kw) = kernel
        let (outH, outW) = outputSize(input, kernel: kernel, shape)
        let columns = outH * outW
        // Every value is written below (by the products or the depthwise loop), so the map starts unzeroed.
        var output = FeatureMap(channels: outChannels, height: outH, width: outW,
                                values: [Float](unsafeUninitializedCapacity: outChannels * columns) { $1 = $0.count })
        guard outH > 0, outW > 0 else { return output }
        let inPerGroup = input.channels / shape.groups
        let outPerGroup = outChannels / shape.groups
        let depth = inPerGroup * kh * kw
        if shape.groups == input.channels, inPerGroup == 1, outPerGroup == 1 {
            depthwise(input, weight: weight, kernel: kernel, shape, into: &output)
        } else if usesWinograd(inChannels: input.channels, outChannels: outChannels, outH: outH, outW: outW,
                               kernel: kernel, shape) {
            winograd3x3(input, weight: weight, outChannels: outChannels, blas: blas, into: &output)
        } else {
            let direct = kh == 1 && kw == 1 && shape.stride == 1 && shape.padding == 0
            let plan = UnfoldPlan(outH: outH, outW: outW, depth: depth)
            let bufferSize = direct ? 0 : depth * plan.rowsPerBand * outW
            var col = [Float](unsafeUninitializedCapacity: bufferSize * plan.buffers) { $1 = $0.count }
            input.values.withUnsafeBufferPointer { source in
                weight.withUnsafeBufferPointer { filters in
                    output.values.withUnsafeMutableBufferPointer { target in
                        col.withUnsafeMutableBufferPointer { buffers in
                            for group in 0..<shape.groups {
                                let groupInput = source.baseAddress! + group * inPerGroup * input.plane
                                let a = filters.baseAddress! + group * outPerGroup * depth
                                let c = target.baseAddress! + group * outPerGroup * columns
                                if direct {
                                    product(blas, m: outPerGroup, n: columns, k: depth, a, groupInput, ldb: columns, c, ldc: columns)
                                    continue
                                }
                                let unfold = { (firstRow: Int, channels: Range<Int>, into: UnsafeMutablePointer<Float>) in
                                    im2col(groupInput, channels: channels, height: input.height, width: input.width,
                                           kernel: kernel, shape, rows: firstRow..<min(firstRow + plan.rowsPerBand, outH),
                                           outW: outW, into: into)
                                }
                                let bands = (outH + plan.rowsPerBand - 1) / plan.rowsPerBand
                                if plan.bandsInParallel {
                                    ParallelWork.split(bands, parts: plan.buffers) { part, bandRange in
                                        let buffer = buffers.baseAddress! + part * bufferSize
                                        for band in bandRange {
                                            let firstRow = band * plan.rowsPerBand
                                            let width = (min(firstRow + plan.rowsPerBand, outH) - firstRow) * outW
                                            unfold(firstRow, 0..<inPerGroup, buffer)
                                            blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                                        Int32(outPerGroup), Int32(width), Int32(depth),
                                                        1, a, Int32(depth), buffer, Int32(width), 0,
                                                        c + firstRow * outW, Int32(columns))
                                        }
                                    }
                                    continue
                                }
                                for band in 0..<bands {
                                    let firstRow = band * plan.rowsPerBand
                                    let width = (min(firstRow + plan.rowsPerBand, outH) - firstRow) * outW
                                    ParallelWork.split(inPerGroup, valuesEach: width * kh * kw) { channels in
                                        unfold(firstRow, channels, buffers.baseAddress!)
                                    }
                                    product(blas, m: outPerGroup, n: width, k: depth, a, buffers.baseAddress!, ldb: width,
                                            c + firstRow * outW, ldc: columns)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias { addBias(bias, to: &output) }
        return output
    }

    /// C[m×n] = A[m×k] · B[k×n] + beta C (row-major), split over the cores by columns when there are
    /// enough of them, otherwise by rows of A.
    private static func product(
        _ blas: BLAS, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int? = nil, _ b: UnsafePointer<Float>,
        ldb: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        let lda = lda ?? k
        if n >= ParallelWork.cores * minimumColumnsPerPart {
            ParallelWork.split(n, minimum: minimumColumnsPerPart) { part in
                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(part.count), Int32(k),
                           1, a, Int32(lda), b + part.lowerBound, Int32(ldb), beta, c + part.lowerBound, Int32(ldc))
            }
        } else {
            ParallelWork.split(m, minimum: 16) { rows in
                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(n), Int32(k),
                           1, a + rows.lowerBound * lda, Int32(lda), b, Int32(ldb), beta, c + rows.lowerBound * ldc, Int32(ldc))
            }
        }
    }

    /// A 1x1 convolution of the channel concatenation of `parts` (one height and width, channels adding up
    /// to the weight's inputs), without building the concatenation: each part multiplies its slice of the
    /// weight's input columns and the products add up in the output.
    static func conv1x1(
        concatenating parts: [FeatureMap], weight: [Float], outChannels: Int, bias: [Float]?, blas: BLAS
    ) -> FeatureMap {
        let height = parts.first?.height ?? 0, width = parts.first?.width ?? 0
        let columns = height * width
        let depth = parts.reduce(0) { $0 + $1.channels }
        var output = FeatureMap(channels: outChannels, height: height, width: width,
                                values: [Float](unsafeUninitializedCapacity: outChannels * columns) { $1 = $0.count })
        guard columns > 0 else { return output }
        weight.withUnsafeBufferPointer { filters in
            output.values.withUnsafeMutableBufferPointer { target in
                var offset = 0
                for part in parts {
                    part.values.withUnsafeBufferPointer { source in
                        product(blas, m: outChannels, n: columns, k: part.channels, filters.baseAddress! + offset, lda: depth,
                                source.baseAddress!, ldb: columns, target.baseAddress!, ldc: columns, beta: offset == 0 ? 0 : 1)
                    }
                    offset += part.channels
                }
            }
        }
        if let bias { addBias(bias, to: &output) }
        return output
    }

    private static func addBias(_ bias: [Float], to output: inout FeatureMap) {
        let columns = output.plane
        output.values.withUnsafeMutableBufferPointer { values in
            guard let base = values.baseAddress else { return }
            ParallelWork.split(output.channels, valuesEach: columns) { channels in
                for channel in channels {
                    let b = bias[channel]
                    let row = base + channel * columns
                    for index in 0..<columns { row[index] += b }
                }
            }
        }
    }

    /// Unfolds output rows `rows` of every kernel tap into `col` ([channels*kh*kw, rows.count*outW] for all the
    /// group's channels), writing the rows that belong to `channels`.
    private static func im2col(
        _ input: UnsafePointer<Float>, channels: Range<Int>, height: Int, width: Int, kernel: (Int, Int),
        _ shape: ConvolutionShape, rows: Range<Int>, outW: Int, into col: UnsafeMutablePointer<Float>
    ) {
        let (kh, kw) = kernel
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
                        let source = plane + iy * width
                        for ox in 0..<outW {
                            let ix = ox * shape.stride + shift
                            line[ox] = ix >= 0 && ix < width ? source[ix] : 0
                        }
                    }
                    row += 1
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
                    ParallelWork.split(input.channels, valuesEach: outH * outW * kh * kw) { channels in
                        for channel in channels {
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
    }
}
