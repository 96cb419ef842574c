import Foundation
import WeightKitCore

extension Operations {
    /// ROIAlign of one box over one feature map (torchvision's and detectron2's CPU kernel): each of the
    /// `output` x `output` bins averages bilinear samples; samples outside the map by more than a pixel
    /// count as 0.
    static func roiAlign(
        _ input: FeatureMap, box: RegionOfInterest, scale: Double, output: Int, samplingRatio: Int, aligned: Bool
    ) -> [Float] {
        let offset = aligned ? 0.5 : 0
        let startW = box.x1 * scale - offset, startH = box.y1 * scale - offset
        var width = box.x2 * scale - offset - startW, height = box.y2 * scale - offset - startH
        if !aligned {
            width = max(width, 1)
            height = max(height, 1)
        }
        let binH = height / Double(output), binW = width / Double(output)
        // Adaptive sampling takes ceil(bin size) samples per axis. It is kept finite and at most 16, which
        // only a box over 16 x 7 feature pixels wide reaches (3,584 input pixels at p5): a proposal inside any
        // real image never does, and a crafted one cannot make the pooling run for hours.
        func samples(_ extent: Double) -> Int {
            if samplingRatio > 0 { return samplingRatio }
            let count = (extent / Double(output)).rounded(.up)
            return count.isFinite ? Int(min(max(count, 1), 16)) : 1
        }
        let gridH = samples(height), gridW = samples(width)
        let count = Double(max(gridH * gridW, 1))
        var result = [Float](repeating: 0, count: input.channels * output * output)
        let plane = input.height * input.width
        for ph in 0..<output {
            for pw in 0..<output {
                // The four corners and weights of every sample, shared by all channels.
                var samples: [(Int, Int, Int, Int, Double, Double, Double, Double)] = []
                for iy in 0..<gridH {
                    let y = startH + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                    for ix in 0..<gridW {
                        let x = startW + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                        if let sample = bilinear(y: y, x: x, height: input.height, width: input.width) { samples.append(sample) }
                    }
                }
                for channel in 0..<input.channels {
                    let base = channel * plane
                    var sum = 0.0
                    for (a, b, c, d, wa, wb, wc, wd) in samples {
                        sum += wa * Double(input.values[base + a]) + wb * Double(input.values[base + b])
                            + wc * Double(input.values[base + c]) + wd * Double(input.values[base + d])
                    }
                    result[(channel * output + ph) * output + pw] = Float(sum / count)
                }
            }
        }
        return result
    }

    /// The four neighbours (flat indices) of (y, x) and their weights, or nil outside [-1, size].
    private static func bilinear(y: Double, x: Double, height: Int, width: Int)
        -> (Int, Int, Int, Int, Double, Double, Double, Double)?
    {
        guard height > 0, width > 0, y >= -1, y <= Double(height), x >= -1, x <= Double(width) else { return nil }
        // Each axis: the neighbours below and above, and the position's share of the one above; at the last
        // pixel both neighbours are that pixel.
        func axis(_ position: Double, _ size: Int) -> (low: Int, high: Int, fraction: Double) {
            let clamped = max(position, 0)
            let low = Int(clamped)
            return low >= size - 1 ? (size - 1, size - 1, 0) : (low, low + 1, clamped - Double(low))
        }
        let (yLow, yHigh, ly) = axis(y, height), (xLow, xHigh, lx) = axis(x, width)
        let hy = 1 - ly, hx = 1 - lx
        return (yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh,
                hy * hx, hy * lx, ly * hx, ly * lx)
    }
}

extension Operations {
    /// A transposed convolution (weight `[in, out, kh, kw]`, as ConvTranspose2d stores it): the mask head's
    /// 2x2 stride-2 upsampling and the keypoint head's 4x4 stride-2 padding-1 one.
    static func convTranspose2d(_ input: FeatureMap, weight: [Float], outChannels: Int, kernel: Int, stride: Int,
                                padding: Int, bias: [Float]?) -> FeatureMap {
        let height = (input.height - 1) * stride - 2 * padding + kernel
        let width = (input.width - 1) * stride - 2 * padding + kernel
        var output = [Double](repeating: 0, count: outChannels * max(height, 0) * max(width, 0))
        guard height > 0, width > 0 else { return FeatureMap(channels: outChannels, height: 0, width: 0, values: []) }
        for o in 0..<outChannels {
            let value = Double(bias?[o] ?? 0)
            for index in (o * height * width)..<((o + 1) * height * width) { output[index] = value }
        }
        for c in 0..<input.channels {
            for y in 0..<input.height {
                for x in 0..<input.width {
                    let v = Double(input.values[(c * input.height + y) * input.width + x])
                    if v == 0 { continue }
                    for o in 0..<outChannels {
                        let base = ((c * outChannels + o) * kernel) * kernel
                        for i in 0..<kernel {
                            let oy = y * stride - padding + i
                            guard oy >= 0, oy < height else { continue }
                            for j in 0..<kernel {
                                let ox = x * stride - padding + j
                                guard ox >= 0, ox < width else { continue }
                                output[(o * height + oy) * width + ox] += v * Double(weight[base + i * kernel + j])
                            }
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, height: height, width: width, values: output.map(Float.init))
    }

    /// Bilinear upsampling by an integer factor with align_corners=False (PyTorch's interpolate).
    static func upsampleBilinear(_ input: FeatureMap, factor: Int) -> FeatureMap {
        let height = input.height * factor, width = input.width * factor
        var output = [Float](repeating: 0, count: input.channels * height * width)
        func source(_ index: Int, _ size: Int) -> (Int, Int, Float) {
            let position = max((Float(index) + 0.5) / Float(factor) - 0.5, 0)
            let low = min(Int(position), size - 1)
            return (low, min(low + 1, size - 1), position - Float(low))
        }
        for c in 0..<input.channels {
            let plane = c * input.height * input.width
            for y in 0..<height {
                let (y0, y1, ly) = source(y, input.height)
                for x in 0..<width {
                    let (x0, x1, lx) = source(x, input.width)
                    let top = (1 - lx) * input.values[plane + y0 * input.width + x0] + lx * input.values[plane + y0 * input.width + x1]
                    let bottom = (1 - lx) * input.values[plane + y1 * input.width + x0] + lx * input.values[plane + y1 * input.width + x1]
                    output[(c * height + y) * width + x] = (1 - ly) * top + ly * bottom
                }
            }
        }
        return FeatureMap(channels: input.channels, height: height, width: width, values: output)
    }
}
