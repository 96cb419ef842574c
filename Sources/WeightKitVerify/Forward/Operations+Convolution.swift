import WeightKitCore

/// Convolutions as im2col + matrix products (`BandedProduct`), in float32 or with float64 sums
/// (`ForwardPrecision`), split over the cores by the pass itself.
extension Operations {
    /// Elements of unfolded input to aim for per band (about 4 MiB of float32), per part working at once.
    static let columnBudget = 1 << 20

    /// Products narrower than this many columns per part are split by output channels instead.
    static let minimumColumnsPerPart = 128

    /// How a convolution unfolds one group: bands of `rowsPerBand` output rows, `buffers` of them at once
    /// (one per part when the bands run in parallel).
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

    /// A convolution's kernel and geometry, with the sizes it implies.
    struct Convolution {
        var kernel: (Int, Int)
        var shape: ConvolutionShape
        var outChannels: Int
        var precision: ForwardPrecision

        func isDepthwise(_ input: FeatureMap) -> Bool {
            shape.groups == input.channels && outChannels == shape.groups
        }

        func isPointwise() -> Bool {
            kernel == (1, 1) && shape.stride == 1 && shape.padding == 0
        }

        func usesWinograd(_ input: FeatureMap, outH: Int, outW: Int) -> Bool {
            precision == .float32 && Operations.usesWinograd(
                inChannels: input.channels, outChannels: outChannels, outH: outH, outW: outW, kernel: kernel, shape)
        }
    }

    /// The bytes of scratch `conv2d` allocates for `input`: unfolded bands, float64 products and weights,
    /// or Winograd's buffers; Int.max when they would not fit a machine word.
    static func scratchBytes(_ input: FeatureMap, _ convolution: Convolution) -> Int {
        let (outH, outW) = outputSize(input, kernel: convolution.kernel, convolution.shape)
        guard outH > 0, outW > 0, convolution.shape.groups > 0, !convolution.isDepthwise(input) else { return 0 }
        let inPerGroup = input.channels / convolution.shape.groups
        if convolution.usesWinograd(input, outH: outH, outW: outW) {
            let tiles = tileCount(outH, outW)
            return WinogradPlan(inChannels: input.channels, outChannels: convolution.outChannels, tiles: tiles).bufferFloats &* 4
        }
        if convolution.precision == .float32, convolution.isPointwise() { return 0 }
        let (depth, overflow) = inPerGroup.multipliedReportingOverflow(by: convolution.kernel.0 &* convolution.kernel.1)
        guard !overflow, convolution.kernel.0 < 1 << 31, convolution.kernel.1 < 1 << 31 else { return Int.max }
        let plan = UnfoldPlan(outH: outH, outW: outW, depth: depth)
        let outPerGroup = convolution.outChannels / convolution.shape.groups
        let rows = convolution.precision == .reference ? depth &+ outPerGroup : depth
        let (band, overflow2) = rows.multipliedReportingOverflow(by: plan.rowsPerBand &* outW)
        let (all, overflow3) = band.multipliedReportingOverflow(by: plan.buffers)
        guard !overflow2, !overflow3 else { return Int.max }
        let weights = convolution.precision == .reference ? convolution.outChannels &* depth : 0
        let (bytes, overflow4) = (all &+ weights).multipliedReportingOverflow(by: convolution.precision == .reference ? 8 : 4)
        return overflow4 ? Int.max : bytes
    }

    /// 2-D convolution. `weight` is [out, in/groups, kh, kw] in C order; `bias` is optional.
    static func conv2d(
        _ input: FeatureMap, weight: [Float], bias: [Float]?, _ convolution: Convolution, blas: BLAS
    ) -> FeatureMap {
        let (outH, outW) = outputSize(input, kernel: convolution.kernel, convolution.shape)
        // Every value is written below, so the map starts unzeroed.
        var output = FeatureMap(channels: convolution.outChannels, height: outH, width: outW,
                                values: [Float](unsafeUninitializedCapacity: convolution.outChannels * outH * outW) { $1 = $0.count })
        guard outH > 0, outW > 0, !input.values.isEmpty else { return output }
        if convolution.isDepthwise(input) {
            switch convolution.precision {
            case .reference: depthwise(Double.self, input, weight: weight, convolution, into: &output)
            case .float32: depthwise(Float.self, input, weight: weight, convolution, into: &output)
            }
            if let bias { addBias(bias, to: &output) }
        } else if convolution.usesWinograd(input, outH: outH, outW: outW) {
            winograd3x3(input, weight: weight, outChannels: convolution.outChannels, blas: blas, into: &output)
            if let bias { addBias(bias, to: &output) }
        } else if convolution.precision == .float32 {
            float32Convolution(input, weight: weight, convolution, blas: blas, into: &output)
            if let bias { addBias(bias, to: &output) }
        } else {
            referenceConvolution(input, weight: weight, bias: bias, convolution, blas: blas, into: &output)
        }
        return output
    }

    /// Float32 products straight into the output: a pointwise convolution multiplies the input itself, any
    /// other unfolds it first.
    private static func float32Convolution(
        _ input: FeatureMap, weight: [Float], _ convolution: Convolution, blas: BLAS, into output: inout FeatureMap
    ) {
        let groups = convolution.shape.groups, columns = output.plane, outW = output.width
        let inPerGroup = input.channels / groups, outPerGroup = convolution.outChannels / groups
        let taps = convolution.kernel.0 * convolution.kernel.1
        let product = BandedProduct<Float>(blas: blas, m: outPerGroup, units: inPerGroup, rowsPerUnit: taps,
                                           outH: output.height, outW: outW)
        input.values.withUnsafeBufferPointer { source in
            weight.withUnsafeBufferPointer { filters in
                output.values.withUnsafeMutableBufferPointer { target in
                    guard let source = source.baseAddress, let filters = filters.baseAddress, let target = target.baseAddress else { return }
                    for group in 0..<groups {
                        let groupInput = source + group * inPerGroup * input.plane
                        let a = filters + group * outPerGroup * product.depth
                        let c = target + group * outPerGroup * columns
                        if convolution.isPointwise() {
                            Operations.product(blas, m: outPerGroup, n: columns, k: product.depth, a, groupInput, ldb: columns, c, ldc: columns)
                            continue
                        }
                        product.run(a, unfold: { rows, channels, buffer in
                            im2col(groupInput, channels: channels, of: input, convolution, rows: rows, outW: outW, into: buffer)
                        }, destination: { _, rows in (c + rows.lowerBound * outW, columns) }, completed: { _, _ in })
                    }
                }
            }
        }
    }

    /// Float64 products of the widened input and weights, rounded once into the output with the bias.
    private static func referenceConvolution(
        _ input: FeatureMap, weight: [Float], bias: [Float]?, _ convolution: Convolution, blas: BLAS,
        into output: inout FeatureMap
    ) {
        let groups = convolution.shape.groups
        let inPerGroup = input.channels / groups, outPerGroup = convolution.outChannels / groups
        let product = BandedProduct<Double>(blas: blas, m: outPerGroup, units: inPerGroup,
                                            rowsPerUnit: convolution.kernel.0 * convolution.kernel.1,
                                            outH: output.height, outW: output.width)
        let wide = weight.map(Double.init), outW = output.width
        input.values.withUnsafeBufferPointer { source in
            guard let source = source.baseAddress else { return }
            for group in 0..<groups {
                let groupInput = source + group * inPerGroup * input.plane
                wide.withUnsafeBufferPointer { filters in
                    guard let filters = filters.baseAddress else { return }
                    multiplyWidened(product, filters + group * outPerGroup * product.depth, firstChannel: group * outPerGroup,
                                    bias: bias, into: &output) { rows, channels, buffer in
                        im2col(groupInput, channels: channels, of: input, convolution, rows: rows, outW: outW, into: buffer)
                    }
                }
            }
        }
    }

    /// Runs a float64 banded product and stores each band, bias added, from `firstChannel` on.
    static func multiplyWidened(
        _ product: BandedProduct<Double>, _ a: UnsafePointer<Double>, firstChannel: Int, bias: [Float]?,
        into output: inout FeatureMap, unfold: (Range<Int>, Range<Int>, UnsafeMutablePointer<Double>) -> Void
    ) {
        let bandElements = product.m * product.plan.rowsPerBand * product.outW
        var scratch = [Double](unsafeUninitializedCapacity: bandElements * product.plan.buffers) { $1 = $0.count }
        let columns = output.plane, outW = output.width
        scratch.withUnsafeMutableBufferPointer { scratch in
            output.values.withUnsafeMutableBufferPointer { target in
                guard let scratch = scratch.baseAddress, let target = target.baseAddress else { return }
                product.run(a, unfold: unfold, destination: { part, rows in
                    (scratch + part * bandElements, rows.count * outW)
                }, completed: { part, rows in
                    let width = rows.count * outW, band = scratch + part * bandElements
                    let store = { (channels: Range<Int>) in
                        for channel in channels {
                            let b = bias.map { Double($0[firstChannel + channel]) } ?? 0
                            let from = band + channel * width
                            let to = target + (firstChannel + channel) * columns + rows.lowerBound * outW
                            for index in 0..<width { to[index] = Float(from[index] + b) }
                        }
                    }
                    if product.plan.bandsInParallel { store(0..<product.m) } else {
                        ParallelWork.split(product.m, valuesEach: width, store)
                    }
                })
            }
        }
    }

    static func addBias(_ bias: [Float], to output: inout FeatureMap) {
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
}
