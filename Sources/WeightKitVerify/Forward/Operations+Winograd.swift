import COpenBLAS
import WeightKitCore

/// 3x3 stride-1 convolutions by Winograd's F(2x2, 3x3): every 4x4 input tile and every filter is transformed
/// so that a 2x2 output tile costs 16 multiplications per channel instead of 36, and the sums over channels
/// become 16 matrix products. The transforms' coefficients (0, ±1, ±1/2) are exact in binary floating point;
/// the results stay within float32 rounding of the direct sums (a test holds them to the im2col path).
extension Operations {
    /// Output tiles per part below which the transforms are not worth it (the small maps of late stages).
    static let minimumTilesPerPart = 64

    /// Whether `conv2d` takes this path: 3x3 "same" convolutions without stride, dilation or groups, with
    /// enough output tiles to give every core products of useful width.
    static func usesWinograd(
        inChannels: Int, outChannels: Int, outH: Int, outW: Int, kernel: (Int, Int), _ shape: ConvolutionShape
    ) -> Bool {
        kernel == (3, 3) && shape.stride == 1 && shape.padding == 1 && shape.dilation == 1 && shape.groups == 1
            && inChannels >= 8 && outChannels >= 8 && inChannels < 1 << 20 && outChannels < 1 << 20
            && outH < 1 << 24 && outW < 1 << 24
            && tileCount(outH, outW) >= ParallelWork.cores * minimumTilesPerPart
    }

    static func tileCount(_ outH: Int, _ outW: Int) -> Int { ((outH + 1) / 2) * ((outW + 1) / 2) }

    /// How the tiles are split: blocks of `tilesPerBlock` tiles, each part (core) transforming and
    /// multiplying its own blocks in its own buffers.
    struct WinogradPlan {
        var tilesPerBlock: Int
        var parts: Int
        /// One part's buffers: the transformed input [16][C][block] and the products [16][K][block].
        var floatsPerPart: Int
        /// The transformed filters [16][K][C], shared by the parts.
        var filterFloats: Int

        /// For sizes `usesWinograd` accepted (channels below 2^20, so no product here overflows).
        init(inChannels: Int, outChannels: Int, tiles: Int) {
            let perTile = 16 * (inChannels + outChannels)
            let fit = max(minimumTilesPerPart, columnBudget / perTile)
            tilesPerBlock = max(1, min(fit, (tiles + ParallelWork.cores - 1) / ParallelWork.cores))
            parts = min(ParallelWork.cores, (tiles + tilesPerBlock - 1) / tilesPerBlock)
            floatsPerPart = perTile * tilesPerBlock
            filterFloats = 16 * inChannels * outChannels
        }

        var bufferFloats: Int { floatsPerPart * parts + filterFloats }
    }

    /// Writes the convolution of `input` with `weight` ([K, C, 3, 3]) into `output` (K x outH x outW, every
    /// value written), without bias.
    static func winograd3x3(
        _ input: FeatureMap, weight: [Float], outChannels: Int, blas: BLAS, into output: inout FeatureMap
    ) {
        let channels = input.channels, height = input.height, width = input.width
        let outH = output.height, outW = output.width
        let tilesAcross = (outW + 1) / 2
        let tiles = tileCount(outH, outW)
        let plan = WinogradPlan(inChannels: channels, outChannels: outChannels, tiles: tiles)
        var buffers = [Float](unsafeUninitializedCapacity: plan.bufferFloats) { $1 = $0.count }
        buffers.withUnsafeMutableBufferPointer { buffers in
            let filters = buffers.baseAddress! + plan.floatsPerPart * plan.parts
            transformFilters(weight, outChannels: outChannels, channels: channels, into: filters)
            input.values.withUnsafeBufferPointer { source in
                output.values.withUnsafeMutableBufferPointer { target in
                    let blocks = (tiles + plan.tilesPerBlock - 1) / plan.tilesPerBlock
                    ParallelWork.split(blocks, parts: plan.parts) { part, blockRange in
                        let transformed = buffers.baseAddress! + part * plan.floatsPerPart
                        let products = transformed + 16 * channels * plan.tilesPerBlock
                        // Four input rows and their four combinations, padded by one column on the left
                        // and enough on the right for the last tile.
                        let padded = 2 * tilesAcross + 2
                        var rows = [Float](repeating: 0, count: 8 * padded)
                        rows.withUnsafeMutableBufferPointer { rows in
                            for block in blockRange {
                                let first = block * plan.tilesPerBlock
                                let count = min(plan.tilesPerBlock, tiles - first)
                                let stride = channels * count
                                for tileRow in first / tilesAcross...(first + count - 1) / tilesAcross {
                                    let across = max(first, tileRow * tilesAcross)..<min(first + count, (tileRow + 1) * tilesAcross)
                                    for channel in 0..<channels {
                                        transformInputRow(source.baseAddress! + channel * height * width, height: height,
                                                          width: width, top: tileRow * 2 - 1,
                                                          tiles: across.lowerBound - tileRow * tilesAcross..<across.upperBound - tileRow * tilesAcross,
                                                          rows: rows.baseAddress!, padded: padded,
                                                          into: transformed + channel * count + across.lowerBound - first, stride: stride)
                                    }
                                }
                                for element in 0..<16 {
                                    blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                               Int32(outChannels), Int32(count), Int32(channels),
                                               1, filters + element * outChannels * channels, Int32(channels),
                                               transformed + element * stride, Int32(count), 0,
                                               products + element * outChannels * count, Int32(count))
                                }
                                for tileRow in first / tilesAcross...(first + count - 1) / tilesAcross {
                                    let across = max(first, tileRow * tilesAcross)..<min(first + count, (tileRow + 1) * tilesAcross)
                                    for channel in 0..<outChannels {
                                        transformOutputRow(products + channel * count + across.lowerBound - first,
                                                           stride: outChannels * count,
                                                           into: target.baseAddress! + channel * outH * outW, height: outH, width: outW,
                                                           top: tileRow * 2,
                                                           tiles: across.lowerBound - tileRow * tilesAcross..<across.upperBound - tileRow * tilesAcross,
                                                           scratch: rows.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// U = G g Gᵀ for every filter, stored as 16 matrices [K][C]; each output channel's 16 rows are made in
    /// a small staging buffer and copied out whole, so no store strides across the matrices.
    private static func transformFilters(
        _ weight: [Float], outChannels: Int, channels: Int, into filters: UnsafeMutablePointer<Float>
    ) {
        let matrix = outChannels * channels
        weight.withUnsafeBufferPointer { weight in
            ParallelWork.split(outChannels, valuesEach: 9 * channels) { range in
                var staging = [Float](repeating: 0, count: 16 * channels)
                staging.withUnsafeMutableBufferPointer { staging in
                    let rows = staging.baseAddress!
                    for out in range {
                        for channel in 0..<channels {
                            let g = weight.baseAddress! + (out * channels + channel) * 9
                            // G g, a row at a time (the fourth lane unused).
                            let first = SIMD4(g[0], g[1], g[2], 0), middle = SIMD4(g[3], g[4], g[5], 0)
                            let last = SIMD4(g[6], g[7], g[8], 0)
                            func store(_ row: Int, _ r: SIMD4<Float>) {
                                rows[(row * 4) * channels + channel] = r[0]
                                rows[(row * 4 + 1) * channels + channel] = (r[0] + r[1] + r[2]) * 0.5
                                rows[(row * 4 + 2) * channels + channel] = (r[0] - r[1] + r[2]) * 0.5
                                rows[(row * 4 + 3) * channels + channel] = r[2]
                            }
                            store(0, first)
                            store(1, (first + middle + last) * 0.5)
                            store(2, (first - middle + last) * 0.5)
                            store(3, last)
                        }
                        for element in 0..<16 {
                            (filters + element * matrix + out * channels).update(from: rows + element * channels, count: channels)
                        }
                    }
                }
            }
        }
    }

    /// V = Bᵀ d B for the tiles `tiles` of one row of tiles of one channel (input rows `top`..`top+3`,
    /// zeros outside the map); tile t's element e goes to `into[e * stride + t - tiles.lowerBound]`.
    private static func transformInputRow(
        _ plane: UnsafePointer<Float>, height: Int, width: Int, top: Int, tiles: Range<Int>,
        rows: UnsafeMutablePointer<Float>, padded: Int, into destination: UnsafeMutablePointer<Float>, stride: Int
    ) {
        // d0..d3: the input rows from column 2*first-1, padded with zeros.
        let start = 2 * tiles.lowerBound - 1, span = 2 * tiles.count + 2
        for r in 0..<4 {
            let line = rows + r * padded
            let y = top + r
            guard y >= 0, y < height else {
                line.update(repeating: 0, count: span)
                continue
            }
            let from = max(start, 0), to = min(start + span, width)
            line.update(repeating: 0, count: max(0, min(from - start, span)))
            if to > from { (line + (from - start)).update(from: plane + y * width + from, count: to - from) }
            if start + span > max(to, from) {
                let tail = max(to, from) - start
                (line + tail).update(repeating: 0, count: span - tail)
            }
        }
        // Bᵀ d: e0 = d0 - d2, e1 = d1 + d2, e2 = d2 - d1, e3 = d1 - d3.
        let d0 = rows, d1 = rows + padded, d2 = rows + 2 * padded, d3 = rows + 3 * padded
        let e0 = rows + 4 * padded, e1 = rows + 5 * padded, e2 = rows + 6 * padded, e3 = rows + 7 * padded
        for x in 0..<span {
            e0[x] = d0[x] - d2[x]
            e1[x] = d1[x] + d2[x]
            e2[x] = d2[x] - d1[x]
            e3[x] = d1[x] - d3[x]
        }
        // (Bᵀ d) B: the same combination of each tile's four columns.
        func combine(_ r: Int, _ e: UnsafeMutablePointer<Float>) {
            let v0 = destination + (r * 4) * stride, v1 = destination + (r * 4 + 1) * stride
            let v2 = destination + (r * 4 + 2) * stride, v3 = destination + (r * 4 + 3) * stride
            for t in 0..<tiles.count {
                let x = 2 * t
                v0[t] = e[x] - e[x + 2]
                v1[t] = e[x + 1] + e[x + 2]
                v2[t] = e[x + 2] - e[x + 1]
                v3[t] = e[x + 1] - e[x + 3]
            }
        }
        combine(0, e0)
        combine(1, e1)
        combine(2, e2)
        combine(3, e3)
    }

    /// Y = Aᵀ m A for the tiles `tiles` of one row of tiles of one output channel (tile t's element e at
    /// `products[e * stride + t - tiles.lowerBound]`), written to output rows `top` and `top + 1`, clipped;
    /// `scratch` holds 8 floats per tile.
    private static func transformOutputRow(
        _ products: UnsafePointer<Float>, stride: Int, into plane: UnsafeMutablePointer<Float>,
        height: Int, width: Int, top: Int, tiles: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let count = tiles.count
        // Aᵀ m, a column of the 4x4 at a time: p0 = m0 + m1 + m2, p1 = m1 - m2 - m3.
        for column in 0..<4 {
            let m0 = products + column * stride, m1 = products + (4 + column) * stride
            let m2 = products + (8 + column) * stride, m3 = products + (12 + column) * stride
            let p0 = scratch + column * count, p1 = scratch + (4 + column) * count
            for t in 0..<count {
                p0[t] = m0[t] + m1[t] + m2[t]
                p1[t] = m1[t] - m2[t] - m3[t]
            }
        }
        // (Aᵀ m) A: the same combination of each row, into two output pixels per tile.
        func write(row: Int, _ q: UnsafeMutablePointer<Float>) {
            guard row < height else { return }
            let line = plane + row * width + 2 * tiles.lowerBound
            let q0 = q, q1 = q + count, q2 = q + 2 * count, q3 = q + 3 * count
            let whole = 2 * tiles.upperBound <= width ? count : count - 1
            for t in 0..<whole {
                line[2 * t] = q0[t] + q1[t] + q2[t]
                line[2 * t + 1] = q1[t] - q2[t] - q3[t]
            }
            if whole < count { line[2 * whole] = q0[whole] + q1[whole] + q2[whole] }
        }
        write(row: top, scratch)
        write(row: top + 1, scratch + 4 * count)
    }
}
