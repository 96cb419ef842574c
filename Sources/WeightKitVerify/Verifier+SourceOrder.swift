import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

extension Verifier {
    /// A per-box output and a framework's saved array, put in the order the file's source framework saves:
    /// where its layout moved class rows when reading (torchvision, Caffe2: background first), the
    /// produced columns move back; where it dropped rows (background box deltas), the saved array's first
    /// columns are left out of the comparison, since the canonical weights no longer hold them.
    public static func inSourceOrder(
        _ output: String, produced: FeatureMap, expected: FeatureMap, layout: String?
    ) -> (produced: FeatureMap, expected: FeatureMap) {
        let predictors = ["box.cls_score": "box_predictor.cls_score", "box.bbox_pred": "box_predictor.bbox_pred",
                          "mask.logits": "mask_head.predictor"]
        guard let predictor = predictors[output], let layout,
              let definition = CanonicalMapper.standard.layouts.first(where: { $0.name == layout }),
              produced.channels > 0, produced.width > 0
        else { return (produced, expected) }
        let rules = CanonicalMapper.standard.rules(of: definition).filter { $0.to?.contains(predictor) == true }
        var produced = produced
        // The saved array as one row per box, whatever rank it was saved with.
        var expected = expected
        if expected.channels != produced.channels, expected.values.count % (produced.channels * produced.width) == 0 {
            expected = FeatureMap(channels: produced.channels, height: expected.values.count / produced.channels / produced.width,
                                  width: produced.width, values: expected.values)
        }
        // A class is one row of a score or delta matrix and `width` rows of a mask.
        let unit = produced.width
        if let moved = rules.compactMap(\.moveFirstRowsToEnd).first {
            produced = perBox(produced) { row in Array(row.suffix(moved * unit) + row.dropLast(moved * unit)) }
        }
        if let dropped = rules.compactMap(\.dropFirstRows).first, expected.height == produced.height + dropped * unit {
            let count = dropped * unit * expected.width
            expected = perBox(expected) { row in Array(row.dropFirst(count)) }
        }
        return (produced, expected)
    }

    /// `map` (one box per channel) with each box's values rewritten; widths stay.
    private static func perBox(_ map: FeatureMap, _ transform: ([Float]) -> [Float]) -> FeatureMap {
        let size = map.height * map.width
        guard size > 0, map.width > 0 else { return map }
        var values: [Float] = []
        var height = map.height
        for box in 0..<map.channels {
            let rewritten = transform(Array(map.values[box * size..<(box + 1) * size]))
            height = rewritten.count / map.width
            values += rewritten
        }
        return FeatureMap(channels: map.channels, height: height, width: map.width, values: values)
    }
}
