import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

extension Verifier {
    /// A per-box output and a framework's saved array, put in the order the file's source framework saves:
    /// where its layout moved class rows when reading (torchvision, Caffe2: background first), the
    /// produced columns move back; where it dropped rows (background box deltas), the saved array's first
    /// columns are left out of the comparison, since the canonical weights no longer hold them; where it
    /// turned two-class softmax objectness into logits (MXNet RPNs), the saved pairs are turned alike.
    ///
    /// - Parameters:
    ///   - output: the output's name.
    ///   - produced: WeightKit's output, in canonical order.
    ///   - expected: the framework's saved array.
    ///   - layout: the layout the file was read with (`weightkit.layout`).
    /// - Returns: both arrays, ready to compare element by element.
    public static func inSourceOrder(
        _ output: String, produced: FeatureMap, expected: FeatureMap, layout: String?
    ) -> (produced: FeatureMap, expected: FeatureMap) {
        if output.hasPrefix("rpn.objectness."), expected.channels == 2 * produced.channels,
           expected.height == produced.height, expected.width == produced.width,
           rules(of: layout).contains(where: { $0.to?.contains("objectness_logits") == true && $0.softmaxPairsToLogits == true })
        {
            return (produced, foregroundMinusBackground(expected))
        }
        // The module and the layer each per-box output comes from (a cascade's `box.stageN.*` too).
        let predictors = ["cls_score": ("box_predictor.", "cls_score"), "bbox_pred": ("box_predictor.", "bbox_pred"),
                          "logits": ("mask_head.", "predictor")]
        // A trident branch's outputs (`box.cls_score.branch1`) are ordered as the head's.
        var components = output.split(separator: ".")
        if let branch = components.last, branch.hasPrefix("branch"), Int(branch.dropFirst("branch".count)) != nil {
            components.removeLast()
        }
        let last = components.last.map(String.init) ?? ""
        guard components.first == "box" || components == ["mask", "logits"], let (module, layer) = predictors[last],
              produced.channels > 0, produced.width > 0
        else { return (produced, expected) }
        let predictorRules = rules(of: layout).filter {
            guard let to = $0.to, let range = to.range(of: module) else { return false }
            return to[range.upperBound...].contains(layer)
        }
        var produced = produced
        // The saved array as one row per box, whatever rank it was saved with.
        var expected = expected
        if expected.channels != produced.channels, expected.values.count % (produced.channels * produced.width) == 0 {
            expected = FeatureMap(channels: produced.channels, height: expected.values.count / produced.channels / produced.width,
                                  width: produced.width, values: expected.values)
        }
        // A class is one row of a score or delta matrix and `width` rows of a mask.
        let unit = produced.width
        if let moved = predictorRules.compactMap(\.moveFirstRowsToEnd).first {
            produced = perBox(produced) { row in Array(row.suffix(moved * unit) + row.dropLast(moved * unit)) }
        }
        if let dropped = predictorRules.compactMap(\.dropFirstRows).first, expected.height == produced.height + dropped * unit {
            let count = dropped * unit * expected.width
            expected = perBox(expected) { row in Array(row.dropFirst(count)) }
        }
        return (produced, expected)
    }

    /// The rules of the layout named `layout`, its fragments' included; none for an unknown layout.
    private static func rules(of layout: String?) -> [LayoutDefinition.Rule] {
        guard let layout, let definition = CanonicalMapper.standard.layouts.first(where: { $0.name == layout }) else { return [] }
        return CanonicalMapper.standard.rules(of: definition)
    }

    /// A map of background channels then foreground channels as the foreground minus background logits.
    private static func foregroundMinusBackground(_ map: FeatureMap) -> FeatureMap {
        let half = map.channels / 2 * map.height * map.width
        let values = (0..<half).map { map.values[half + $0] - map.values[$0] }
        return FeatureMap(channels: map.channels / 2, height: map.height, width: map.width, values: values)
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
