import Foundation
import WeightKitCore

extension Operations {
    /// SimpleDet's ROIAlign_v2 of one box over one feature map: no half-pixel offset, each bin's edges
    /// clipped to [0, size - 1], an empty bin 0, and each bin the maximum of its bilinear samples, taken a
    /// third of the bin apart from its clipped start (2 x 2 of them unless the bin is under 0.03 pixels,
    /// where the kernel steps by 0.01, so at most a handful either way).
    static func maxRoIAlign(_ input: FeatureMap, box: RegionOfInterest, scale: Double, output: Int) -> [Float] {
        guard input.height > 0, input.width > 0 else { return [Float](repeating: 0, count: input.channels * output * output) }
        let startW = box.x1 * scale, startH = box.y1 * scale
        let binW = (box.x2 * scale - startW) / Double(output), binH = (box.y2 * scale - startH) / Double(output)
        var result = [Float](repeating: 0, count: input.channels * output * output)
        for ph in 0..<output {
            let rows = samplePositions(startH + Double(ph) * binH, startH + Double(ph + 1) * binH, size: input.height)
            for pw in 0..<output {
                let columns = samplePositions(startW + Double(pw) * binW, startW + Double(pw + 1) * binW, size: input.width)
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                for channel in 0..<input.channels {
                    var best = -Double.infinity
                    for y in rows {
                        for x in columns { best = max(best, sample(input, channel: channel, y: y, x: x)) }
                    }
                    result[(channel * output + ph) * output + pw] = Float(best)
                }
            }
        }
        return result
    }

    /// The sample positions along one axis of a bin from `start` to `end`, both clipped to the map; none
    /// when the clipped bin is empty.
    private static func samplePositions(_ start: Double, _ end: Double, size: Int) -> [Double] {
        let limit = Double(size - 1)
        let low = min(max(start, 0), limit), high = min(max(end, 0), limit)
        guard high > low else { return [] }
        let stride = (high - low) / 3
        var positions: [Double] = []
        var position = low + stride
        while position <= high - stride + 0.01, positions.count < 8 {
            positions.append(position)
            position += max(stride, 0.01)
        }
        return positions
    }

    /// Bilinear interpolation with the floor and ceiling neighbours clipped to the map.
    private static func sample(_ input: FeatureMap, channel: Int, y: Double, x: Double) -> Double {
        let plane = channel * input.height * input.width
        let y0 = min(max(Int(y.rounded(.down)), 0), input.height - 1), y1 = min(max(Int(y.rounded(.up)), 0), input.height - 1)
        let x0 = min(max(Int(x.rounded(.down)), 0), input.width - 1), x1 = min(max(Int(x.rounded(.up)), 0), input.width - 1)
        let alpha = y0 == y1 ? 0.5 : (y - Double(y0)) / Double(y1 - y0)
        let beta = x0 == x1 ? 0.5 : (x - Double(x0)) / Double(x1 - x0)
        func value(_ row: Int, _ column: Int) -> Double { Double(input.values[plane + row * input.width + column]) }
        return (1 - alpha) * (1 - beta) * value(y0, x0) + alpha * (1 - beta) * value(y1, x0)
            + (1 - alpha) * beta * value(y0, x1) + alpha * beta * value(y1, x1)
    }
}
