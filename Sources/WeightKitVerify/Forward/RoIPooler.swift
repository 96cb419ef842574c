import WeightKitCore

/// Pools boxes from p2..p5 (the max-pooled p6 is for the RPN only) with the file's ROIAlign semantics.
struct RoIPooler {
    let weights: NetworkWeights
    let levels: [Int: FeatureMap]
    let range: ClosedRange<Int>
    let semantics: RoIAlignSemantics
    let samplingRatio: Int

    /// - Parameter samplingRatio: samples per bin where the head's config sets them apart from the
    ///   framework's pyramid pooling (a C4 head's adaptive sampling); the semantics' own when nil.
    init?(weights: NetworkWeights, pyramid: [(String, FeatureMap)], samplingRatio: Int? = nil) {
        var levels: [Int: FeatureMap] = [:]
        for (name, map) in pyramid {
            if name.hasPrefix("p"), let level = Int(name.dropFirst()), (2...5).contains(level) { levels[level] = map }
        }
        guard let lowest = levels.keys.min(), let highest = levels.keys.max() else { return nil }
        self.weights = weights
        self.levels = levels
        range = lowest...highest
        semantics = weights.collection.semantics.roiAlign ?? .detectron2
        self.samplingRatio = samplingRatio ?? semantics.samplingRatio
    }

    /// The pooled map of every box of the graph's `boxes` input, each from its level, as one traced value.
    ///
    /// - Throws: `WeightKitError` for a pyramid with a missing level.
    func traced(size: Int, _ trace: GraphTrace) throws(WeightKitError) -> FeatureMap {
        var pooled: [Int: String] = [:]
        for level in range {
            guard let map = levels[level] else { throw WeightKitError(.malformed, "the pyramid has no level p\(level) to pool from") }
            let value = try trace.value(map, readBy: "ROIAlign"), scale = 1 / Double(1 << level)
            pooled[level] = semantics == .simpledet
                ? try trace.maxRoIAlign(value, scale: scale, size: size)
                : try trace.roiAlign(value, scale: scale, size: size, samplingRatio: samplingRatio, aligned: semantics.aligned)
        }
        guard let first = levels[range.lowerBound] else { throw WeightKitError(.malformed, "the pyramid has no level to pool from") }
        var map = try weights.memory.map(channels: first.channels, height: size, width: size, for: "a pooled box")
        map.symbol = try trace.select(pooled, levels: range, semantics: semantics)
        return map
    }

    func pool(_ box: RegionOfInterest, size: Int) throws(WeightKitError) -> FeatureMap {
        let level = semantics.level(of: box, levels: range)
        guard let map = levels[level] else {
            throw WeightKitError(.malformed, "the pyramid has no level p\(level) for a box's size")
        }
        let scale = 1 / Double(1 << level), semantics = semantics, samplingRatio = samplingRatio
        return try weights.memory.tracked(channels: map.channels, height: size, width: size, for: "a pooled box") {
            FeatureMap(channels: map.channels, height: size, width: size, values: semantics == .simpledet
                ? Operations.maxRoIAlign(map, box: box, scale: scale, output: size)
                : Operations.roiAlign(map, box: box, scale: scale, output: size,
                                      samplingRatio: samplingRatio, aligned: semantics.aligned))
        }
    }
}
