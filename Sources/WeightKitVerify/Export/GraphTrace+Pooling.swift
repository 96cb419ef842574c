import Foundation
import WeightKitCore
import WeightKitFormats

/// ROIAlign on the graph's `boxes` input, and the choice of pyramid level per box.
extension GraphTrace {
    /// RoiAlign (opset 16) of every box on one map. `coordinate_transformation_mode` is always written:
    /// `half_pixel` is aligned=True, `output_half_pixel` the legacy aligned=False.
    func roiAlign(_ map: String, scale: Double, size: Int, samplingRatio: Int, aligned: Bool) throws(WeightKitError) -> String {
        node("RoiAlign", [map, Self.boxes, try batchIndices()], [
            "mode": .string("avg"), "output_height": .int(size), "output_width": .int(size),
            "sampling_ratio": .int(samplingRatio), "spatial_scale": .float(Float(scale)),
            "coordinate_transformation_mode": .string(aligned ? "half_pixel" : "output_half_pixel"),
        ], named: "roialign")
    }

    /// Zeros of int64, one per box: every box is on the one image.
    private func batchIndices() throws(WeightKitError) -> String {
        let rows = node("Slice", [node("Shape", [Self.boxes], named: "boxes.shape"), try constant(int64s: [0]), try constant(int64s: [1])],
                        named: "boxes.count")
        return node("Expand", [try constant(int64s: [0]), rows], named: "batch_indices")
    }

    /// Each box's pooled map from the level its size picks: every level pools every box, and Where keeps
    /// the level's rows (a selection, exact).
    func select(_ pooled: [Int: String], levels: ClosedRange<Int>, semantics: RoIAlignSemantics) throws(WeightKitError) -> String {
        guard var selected = pooled[levels.lowerBound] else {
            throw WeightKitError(.malformed, "the pyramid has no level p\(levels.lowerBound) to pool from")
        }
        guard levels.count > 1 else { return selected }
        let level = try self.level(semantics, levels: levels)
        let perBox = try constant(int64s: [-1, 1, 1, 1])
        for candidate in levels.dropFirst() {
            guard let map = pooled[candidate] else { continue }
            let matches = node("Equal", [level, try constant(floats: [Float(candidate)], shape: [])], named: "level.p\(candidate)")
            selected = node("Where", [node("Reshape", [matches, perBox], named: "level.mask"), map, selected], named: "pooled")
        }
        return selected
    }

    /// The level of every box as a float (R,), in the framework's formula and operation order, clipped to
    /// the pyramid; a box whose formula gives NaN pools from the lowest level, as the reference pass does.
    private func level(_ semantics: RoIAlignSemantics, levels: ClosedRange<Int>) throws(WeightKitError) -> String {
        func column(_ index: Int) throws(WeightKitError) -> String {
            node("Gather", [Self.boxes, try constant(int64s: [index], shape: [])], ["axis": .int(1)], named: "boxes.\(index)")
        }
        var width = node("Sub", [try column(2), try column(0)], named: "boxes.width")
        var height = node("Sub", [try column(3), try column(1)], named: "boxes.height")
        if semantics == .simpledet {
            // mxnext's fpn_roi_assign measures boxes in whole pixels, both ends included.
            width = node("Add", [width, try constant(floats: [1], shape: [])], named: "boxes.width")
            height = node("Add", [height, try constant(floats: [1], shape: [])], named: "boxes.height")
        }
        let size = node("Sqrt", [node("Mul", [width, height], named: "boxes.area")], named: "boxes.size")
        func scalar(_ value: Double) throws(WeightKitError) -> String { try constant(floats: [Float(value)], shape: []) }
        func log2(_ x: String) throws(WeightKitError) -> String {
            node("Div", [node("Log", [x], named: "log"), try scalar(M_LN2)], named: "log2")
        }
        let raw: String
        switch semantics {
        case .torchvision:
            let log = try log2(node("Div", [size, try scalar(224)], named: "scale"))
            raw = node("Add", [node("Add", [log, try scalar(4)], named: "level"), try scalar(1e-6)], named: "level")
        case .detectron2, .simpledet:
            let epsilon = semantics == .simpledet ? 1e-6 : 1e-8
            let ratio = node("Add", [node("Div", [size, try scalar(224)], named: "scale"), try scalar(epsilon)], named: "scale")
            raw = node("Add", [try log2(ratio), try scalar(4)], named: "level")
        case .mmdet:
            let ratio = node("Add", [node("Div", [size, try scalar(56)], named: "scale"), try scalar(1e-6)], named: "scale")
            raw = node("Add", [node("Floor", [try log2(ratio)], named: "level"), try scalar(2)], named: "level")
        }
        let floored = semantics == .mmdet ? raw : node("Floor", [raw], named: "level")
        let clipped = node("Clip", [floored, try scalar(Double(levels.lowerBound)), try scalar(Double(levels.upperBound))], named: "level")
        let isNaN = node("IsNaN", [clipped], named: "level.nan")
        return node("Where", [isNaN, try scalar(Double(levels.lowerBound)), clipped], named: "level")
    }
}
