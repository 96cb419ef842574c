import WeightKitCore

extension ForwardState {
    /// Runs `head` on every given box pooled at `poolSize` by `pooler` and emits its outputs gathered over
    /// the boxes, one (R, ...) map per name; nothing without boxes or a pooler.
    ///
    /// - Parameters:
    ///   - names: the outputs' names, one per map `head` returns.
    ///   - pooler: how boxes are pooled (the pyramid with the file's ROIAlign semantics); nil skips the head.
    ///   - head: the maps computed from one pooled box.
    mutating func emitPerBox(
        _ names: [String], pooledBy pooler: RoIPooler?, size poolSize: Int,
        _ head: (FeatureMap) throws(WeightKitError) -> [FeatureMap]
    ) throws(WeightKitError) {
        guard !boxes.isEmpty, let pooler else { return }
        if let trace = weights.trace {
            // A traced head runs once on the pooled map of every box: its nodes take the (R, ...) batch.
            let maps = try head(try pooler.traced(size: poolSize, trace))
            guard maps.count == names.count else {
                throw WeightKitError(.malformed, "a head gave \(maps.count) outputs for \(names.count) names")
            }
            for (name, map) in zip(names, maps) { emit(name, map) }
            return
        }
        var outputs = names.map { PerBoxOutput($0, boxes: boxes.count) }
        for box in boxes {
            let maps = try head(try pooler.pool(box, size: poolSize))
            guard maps.count == outputs.count else {
                throw WeightKitError(.malformed, "a head gave \(maps.count) outputs for \(outputs.count) names")
            }
            for index in outputs.indices { try outputs[index].append(maps[index], memory: weights.memory) }
        }
        for output in outputs { emit(output.output.0, output.output.1) }
    }

    /// The pooler over this pass's pyramid levels p2..p5 (or the ROI features a neck set apart), with the
    /// file's ROIAlign semantics.
    var pyramidPooler: RoIPooler? {
        RoIPooler(weights: weights, pyramid: roiFeatures ?? pyramid)
    }
}
