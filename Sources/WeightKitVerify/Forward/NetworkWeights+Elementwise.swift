import WeightKitCore

/// The steps between layers (activations, sums, pooling to a vector, gates), here rather than in the
/// families so that a traced pass records them too.
extension NetworkWeights {
    func relu(_ x: inout FeatureMap) throws(WeightKitError) {
        Operations.relu(&x)
        if let trace { x.symbol = trace.relu(try trace.value(x, readBy: "an activation")) }
    }

    /// `x += other`; the maps must have one shape.
    func add(_ x: inout FeatureMap, _ other: FeatureMap) throws(WeightKitError) {
        try Operations.add(&x, other)
        if let trace { x.symbol = trace.add(try trace.value(x, readBy: "a sum"), try trace.value(other, readBy: "a sum")) }
    }

    /// Each channel's mean, as a C x 1 x 1 map.
    func globalAveragePool(_ x: FeatureMap) throws(WeightKitError) -> FeatureMap {
        var pooled = FeatureMap(channels: x.channels, height: 1, width: 1, values: Operations.globalAveragePool(x))
        if let trace { pooled.symbol = trace.globalAveragePool(try trace.value(x, readBy: "average pooling")) }
        return pooled
    }

    /// Multiplies `x` by the one-element tensor `name` (FCOS's learned per-level scale).
    func scale(_ x: inout FeatureMap, by name: String) throws(WeightKitError) {
        let factor = try vector(name, count: 1)[0]
        for index in x.values.indices { x.values[index] *= factor }
        if let trace { x.symbol = try trace.scale(try trace.value(x, readBy: name), by: name) }
    }

    /// Multiplies each channel of `x` by hardsigmoid of its value in the C x 1 x 1 `gate` (eSE).
    func gate(_ x: inout FeatureMap, by gate: FeatureMap) throws(WeightKitError) {
        Operations.scaleChannels(&x, by: gate.values.map(Operations.hardSigmoid))
        if let trace { x.symbol = trace.gate(try trace.value(x, readBy: "a gate"), by: try trace.value(gate, readBy: "a gate")) }
    }

    /// Bilinear upsampling by `factor` with half-pixel centres.
    func upsampleBilinear(_ x: FeatureMap, factor: Int) throws(WeightKitError) -> FeatureMap {
        var output = try memory.tracked(channels: x.channels, height: x.height * factor, width: x.width * factor, for: "upsampling") {
            Operations.upsampleBilinear(x, factor: factor)
        }
        if let trace { output.symbol = try trace.upsampleBilinear(try trace.value(x, readBy: "upsampling"), factor: factor) }
        return output
    }
}
