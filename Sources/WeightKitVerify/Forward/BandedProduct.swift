/// A convolution as matrix products over bands of output rows: each band's input is unfolded into a
/// [depth × band] buffer (im2col, or the channels of several maps side by side) and multiplied by the
/// [m × depth] weights. Bands run in parallel, one buffer per core, when there are enough of them; otherwise
/// each band's unfolding and product are split over the cores. BLAS runs on one thread per call.
struct BandedProduct<Scalar: BLASScalar> {
    let blas: BLAS
    /// Output channels.
    let m: Int
    /// Input channels unfolded, and depth rows each gives (the kernel's taps).
    let units: Int
    let rowsPerUnit: Int
    let outH: Int
    let outW: Int
    let plan: Operations.UnfoldPlan

    init(blas: BLAS, m: Int, units: Int, rowsPerUnit: Int, outH: Int, outW: Int) {
        self.blas = blas
        self.m = m
        self.units = units
        self.rowsPerUnit = rowsPerUnit
        self.outH = outH
        self.outW = outW
        plan = Operations.UnfoldPlan(outH: outH, outW: outW, depth: units * rowsPerUnit)
    }

    var depth: Int { units * rowsPerUnit }
    /// Elements of one band's unfolded input.
    var bandElements: Int { depth * plan.rowsPerBand * outW }
    /// Elements of every unfolding buffer the product uses at once.
    var unfoldElements: Int { bandElements * plan.buffers }

    /// Multiplies every band.
    ///
    /// - Parameters:
    ///   - a: the [m × depth] weights.
    ///   - unfold: writes the band of output rows `rows` for input channels `channels` into a buffer laid out
    ///     [depth × rows.count·outW] (channel c's rows start at c·rowsPerUnit).
    ///   - destination: where the product of part `part` for `rows` goes, and its row stride.
    ///   - completed: called once a band's product is in its destination.
    func run(
        _ a: UnsafePointer<Scalar>,
        unfold: (Range<Int>, Range<Int>, UnsafeMutablePointer<Scalar>) -> Void,
        destination: (Int, Range<Int>) -> (UnsafeMutablePointer<Scalar>, Int),
        completed: (Int, Range<Int>) -> Void
    ) {
        var buffers = [Scalar](unsafeUninitializedCapacity: unfoldElements) { $1 = $0.count }
        buffers.withUnsafeMutableBufferPointer { buffers in
            guard let base = buffers.baseAddress else { return }
            let bands = (outH + plan.rowsPerBand - 1) / plan.rowsPerBand
            let rows = { (band: Int) in band * plan.rowsPerBand..<min((band + 1) * plan.rowsPerBand, outH) }
            if plan.bandsInParallel {
                ParallelWork.split(bands, parts: plan.buffers) { part, bandRange in
                    let buffer = base + part * bandElements
                    for band in bandRange {
                        let band = rows(band)
                        unfold(band, 0..<units, buffer)
                        let (c, ldc) = destination(part, band)
                        Scalar.gemm(blas, m: m, n: band.count * outW, k: depth, a, lda: depth, buffer, ldb: band.count * outW,
                                    beta: 0, c, ldc: ldc)
                        completed(part, band)
                    }
                }
                return
            }
            for band in 0..<bands {
                let band = rows(band), width = band.count * outW
                ParallelWork.split(units, valuesEach: width * rowsPerUnit) { channels in unfold(band, channels, base) }
                let (c, ldc) = destination(0, band)
                Operations.product(blas, m: m, n: width, k: depth, a, base, ldb: width, c, ldc: ldc)
                completed(0, band)
            }
        }
    }
}
