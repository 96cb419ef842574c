import WeightKitCore
import WeightKitFormats

/// SimpleDet's ROIAlign_v2 in standard operators. No RoiAlign mode computes it (its max mode takes the
/// largest weighted corner, and its bins are not clipped), so each bin's two sample positions per axis are
/// computed in the graph from the clipped bin edges, every box's samples are read by one GridSample (corner-
/// aligned, bilinear; the clipped positions lie inside the map, where border padding never applies), and a
/// 2x2 MaxPool takes each bin's maximum; an empty bin is 0.
extension GraphTrace {
    /// The (R, C, size, size) pooled maps of every box of `boxes` on `map`.
    func maxRoIAlign(_ map: String, scale: Double, size: Int) throws(WeightKitError) -> String {
        let shape = node("Shape", [map], named: "map.shape")
        let columns = try samples(axis: 3, low: 0, high: 2, shape: shape, scale: scale, size: size)
        let rows = try samples(axis: 2, low: 1, high: 3, shape: shape, scale: scale, size: size)
        // grid[0, r * 2s + i, j] = (x of column sample j, y of row sample i) of box r.
        let x = node("Unsqueeze", [columns.normalized, try constant(int64s: [1])], named: "grid.x")
        let y = node("Unsqueeze", [rows.normalized, try constant(int64s: [2])], named: "grid.y")
        let full = try constant(int64s: [1, 2 * size, 2 * size])
        let xs = node("Expand", [x, full], named: "grid.x"), ys = node("Expand", [y, full], named: "grid.y")
        let pair = node("Concat", [node("Unsqueeze", [xs, try constant(int64s: [3])], named: "grid.x"),
                                   node("Unsqueeze", [ys, try constant(int64s: [3])], named: "grid.y")], ["axis": .int(3)], named: "grid")
        let grid = node("Reshape", [pair, try constant(int64s: [1, -1, 2 * size, 2])], named: "grid")
        let sampled = node("GridSample", [map, grid], [
            "mode": .string(opset >= 20 ? "linear" : "bilinear"), "padding_mode": .string("border"), "align_corners": .int(1),
        ], named: "samples")
        // (1, C, R * 2s, 2s) -> (R, C, 2s, 2s): one box per batch row.
        let channels = node("Slice", [shape, try constant(int64s: [1]), try constant(int64s: [2])], named: "map.channels")
        let split = node("Reshape", [sampled, node("Concat", [channels, try constant(int64s: [-1, 2 * size, 2 * size])],
                                                     ["axis": .int(0)], named: "samples.shape")], named: "samples")
        let perBox = node("Transpose", [split], ["perm": .ints([1, 0, 2, 3])], named: "samples")
        let maxima = node("MaxPool", [perBox], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], named: "bins")
        // A bin clipped to nothing along either axis is 0.
        let valid = node("And", [node("Unsqueeze", [rows.valid, try constant(int64s: [2])], named: "bins.rows"),
                                 node("Unsqueeze", [columns.valid, try constant(int64s: [1])], named: "bins.columns")], named: "bins.valid")
        let mask = node("Unsqueeze", [valid, try constant(int64s: [1])], named: "bins.valid")
        return node("Where", [mask, maxima, try constant(floats: [0], shape: [])], named: "pooled")
    }

    /// Along one axis of the map (2 rows, 3 columns): each bin's two samples, a third of the clipped bin
    /// apart from its start, as (R, 2s) positions normalised for GridSample, and whether each bin is not
    /// empty (R, s).
    private func samples(axis: Int, low: Int, high: Int, shape: String, scale: Double, size: Int) throws(WeightKitError)
        -> (normalized: String, valid: String)
    {
        func scalar(_ value: Double) throws(WeightKitError) -> String { try constant(floats: [Float(value)], shape: []) }
        func coordinate(_ index: Int) throws(WeightKitError) -> String {
            let column = node("Gather", [Self.boxes, try constant(int64s: [index], shape: [])], ["axis": .int(1)], named: "boxes.\(index)")
            return node("Mul", [column, try scalar(scale)], named: "boxes.scaled")
        }
        let start = try coordinate(low), end = try coordinate(high)
        let bin = node("Div", [node("Sub", [end, start], named: "roi.extent"), try scalar(Double(size))], named: "roi.bin")
        let steps = try constant(floats: (0...size).map(Float.init), shape: [1, size + 1])
        let column = try constant(int64s: [-1, 1])
        let edges = node("Add", [node("Reshape", [start, column], named: "roi.start"),
                                 node("Mul", [node("Reshape", [bin, column], named: "roi.bin"), steps], named: "roi.edges")],
                         named: "roi.edges")
        let extent = node("Cast", [node("Gather", [shape, try constant(int64s: [axis], shape: [])], ["axis": .int(0)], named: "map.extent")],
                          ["to": .int(1)], named: "map.extent")
        let last = node("Sub", [extent, try scalar(1)], named: "map.last")
        let clipped = node("Min", [node("Max", [edges, try scalar(0)], named: "edges.clipped"), last], named: "edges.clipped")
        let lows = node("Slice", [clipped, try constant(int64s: [0]), try constant(int64s: [size]), try constant(int64s: [1])], named: "bins.low")
        let highs = node("Slice", [clipped, try constant(int64s: [1]), try constant(int64s: [size + 1]), try constant(int64s: [1])],
                         named: "bins.high")
        let third = node("Div", [node("Sub", [highs, lows], named: "bins.extent"), try scalar(3)], named: "bins.third")
        let first = node("Add", [lows, third], named: "samples.first")
        let second = node("Add", [first, third], named: "samples.second")
        let interleaved = node("Concat", [node("Unsqueeze", [first, try constant(int64s: [2])], named: "samples.first"),
                                          node("Unsqueeze", [second, try constant(int64s: [2])], named: "samples.second")],
                               ["axis": .int(2)], named: "samples")
        let positions = node("Reshape", [interleaved, try constant(int64s: [0, 2 * size])], named: "samples")
        // Corner-aligned normalisation, -1 at the first pixel and 1 at the last (a one-pixel map: all -1).
        let span = node("Max", [last, try scalar(1)], named: "map.span")
        let normalized = node("Sub", [node("Div", [node("Mul", [positions, try scalar(2)], named: "samples.scaled"), span],
                                           named: "samples.normalized"), try scalar(1)], named: "samples.normalized")
        return (normalized, node("Greater", [highs, lows], named: "bins.valid"))
    }
}
