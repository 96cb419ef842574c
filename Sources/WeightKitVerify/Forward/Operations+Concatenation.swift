extension Operations {
    /// A 1x1 convolution of the channel concatenation of `parts` (one height and width, channels adding up
    /// to the weight's inputs), without building the concatenation: in float32 each part multiplies its
    /// slice of the weight's input columns and the products add up in the output; with float64 sums the
    /// parts are gathered band by band.
    static func conv1x1(
        concatenating parts: [FeatureMap], weight: [Float], outChannels: Int, bias: [Float]?, precision: ForwardPrecision,
        blas: BLAS
    ) -> FeatureMap {
        let height = parts.first?.height ?? 0, width = parts.first?.width ?? 0
        var output = FeatureMap(channels: outChannels, height: height, width: width,
                                values: [Float](unsafeUninitializedCapacity: outChannels * height * width) { $1 = $0.count })
        guard height * width > 0 else { return output }
        switch precision {
        case .float32:
            float32Concatenation(parts, weight: weight, blas: blas, into: &output)
            if let bias { addBias(bias, to: &output) }
        case .reference:
            referenceConcatenation(parts, weight: weight, bias: bias, blas: blas, into: &output)
        }
        return output
    }

    private static func float32Concatenation(_ parts: [FeatureMap], weight: [Float], blas: BLAS, into output: inout FeatureMap) {
        let columns = output.plane, depth = parts.reduce(0) { $0 + $1.channels }
        weight.withUnsafeBufferPointer { filters in
            output.values.withUnsafeMutableBufferPointer { target in
                guard let filters = filters.baseAddress, let target = target.baseAddress else { return }
                var offset = 0
                for part in parts {
                    part.values.withUnsafeBufferPointer { source in
                        guard let source = source.baseAddress else { return }
                        product(blas, m: output.channels, n: columns, k: part.channels, filters + offset, lda: depth,
                                source, ldb: columns, target, ldc: columns, beta: offset == 0 ? 0 : 1)
                    }
                    offset += part.channels
                }
            }
        }
    }

    private static func referenceConcatenation(
        _ parts: [FeatureMap], weight: [Float], bias: [Float]?, blas: BLAS, into output: inout FeatureMap
    ) {
        let depth = parts.reduce(0) { $0 + $1.channels }, plane = output.plane, width = output.width
        let product = BandedProduct<Double>(blas: blas, m: output.channels, units: depth, rowsPerUnit: 1,
                                            outH: output.height, outW: width)
        let wide = weight.map(Double.init)
        withPointers(to: parts) { sources in
            wide.withUnsafeBufferPointer { filters in
                guard let filters = filters.baseAddress else { return }
                multiplyWidened(product, filters, firstChannel: 0, bias: bias, into: &output) { rows, channels, buffer in
                    gather(sources, channels: channels, rows: rows, width: width, plane: plane, into: buffer)
                }
            }
        }
    }

    /// Calls `body` with the base address and channel count of every part's values.
    private static func withPointers(
        to parts: [FeatureMap], _ body: ([(values: UnsafePointer<Float>, channels: Int)]) -> Void
    ) {
        func next(_ index: Int, _ gathered: [(values: UnsafePointer<Float>, channels: Int)]) {
            guard index < parts.count else { return body(gathered) }
            parts[index].values.withUnsafeBufferPointer { values in
                guard let base = values.baseAddress else { return }
                next(index + 1, gathered + [(base, parts[index].channels)])
            }
        }
        next(0, [])
    }
}
