import WeightKitCore

/// Folds every norm that directly follows a convolution into it: s = gamma / sqrt(var + eps),
/// W' = W * s per output channel, b' = (b - mean) * s + beta, computed in float64 and stored in the
/// convolution's dtype. Works for grouped, depthwise and pointwise convs and convs that already have a bias.
/// Norms with no convolution before them (an input normalisation) cannot fold exactly and are reported.
public enum BatchNormFolding {
    public struct Result: Sendable {
        public var collection: TensorCollection
        /// Convolutions that absorbed a norm.
        public var folded: [String]
        /// Norms left in place, with the reason.
        public var unfolded: [String]
    }

    public static func fold(_ collection: TensorCollection) throws(WeightKitError) -> Result {
        guard collection.naming == .canonical else {
            throw WeightKitError(.invalidArgument, "folding needs canonical names; this collection has source names")
        }
        let eps = collection.semantics.normEps
        var replacements: [String: Tensor] = [:]
        var removed = Set<String>()
        var folded: [String] = [], unfolded: [String] = []
        for tensor in collection.tensors where tensor.name.hasSuffix(".running_var") {
            let prefix = String(tensor.name.dropLast(".running_var".count))
            guard let (weightName, biasName) = CanonicalName.convolution(forNorm: prefix), let weight = collection[weightName],
                  weight.shape.rank == 4, weight.dtype.isFloatingPoint
            else {
                unfolded.append("\(prefix) (no convolution before it)")
                continue
            }
            func values(_ name: String) throws(WeightKitError) -> [Double] {
                guard let t = collection[name] else {
                    throw WeightKitError(.malformed, "norm lacks this tensor", location: .init(tensor: name))
                }
                var result: [Double] = []
                t.forEachScalar { result.append($0) }
                return result
            }
            let gamma = try values(prefix + ".weight"), beta = try values(prefix + ".bias")
            let mean = try values(prefix + ".running_mean"), variance = try values(prefix + ".running_var")
            let outputs = weight.shape.dimensions[0]
            guard [gamma.count, beta.count, mean.count, variance.count].allSatisfy({ $0 == outputs }) else {
                throw WeightKitError(.malformed, "norm has \(gamma.count) channels, its convolution \(outputs)",
                                     location: .init(tensor: prefix))
            }
            let scale = (0..<outputs).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
            var w: [Double] = []
            weight.forEachScalar { w.append($0) }
            let perOutput = w.count / max(outputs, 1)
            for index in w.indices { w[index] *= scale[index / perOutput] }
            let oldBias = collection[biasName] != nil ? try values(biasName) : [Double](repeating: 0, count: outputs)
            guard oldBias.count == outputs else {
                throw WeightKitError(.malformed, "bias has \(oldBias.count) values for \(outputs) outputs",
                                     location: .init(tensor: biasName))
            }
            let bias = (0..<outputs).map { (oldBias[$0] - mean[$0]) * scale[$0] + beta[$0] }
            replacements[weightName] = try Tensor(name: weightName, dtype: weight.dtype, shape: weight.shape,
                                                  data: DTypeCast.encode(w, as: weight.dtype))
            replacements[biasName] = try Tensor(name: biasName, dtype: weight.dtype, shape: Shape([outputs]),
                                                data: DTypeCast.encode(bias, as: weight.dtype))
            for field in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"] {
                removed.insert(prefix + "." + field)
            }
            folded.append(weightName)
        }
        var output = TensorCollection(format: collection.format, metadata: collection.metadata)
        for tensor in collection.tensors where !removed.contains(tensor.name) {
            try output.append(replacements.removeValue(forKey: tensor.name) ?? tensor)
            // A new bias follows its weight.
            let bias = tensor.name.hasSuffix("weight") ? String(tensor.name.dropLast("weight".count)) + "bias" : ""
            if collection[bias] == nil, let created = replacements.removeValue(forKey: bias) {
                try output.append(created)
            }
        }
        output[.foldedNorms] = String(folded.count)
        if !unfolded.isEmpty { output[.unfoldedNorms] = unfolded.joined(separator: ", ") }
        return Result(collection: output, folded: folded, unfolded: unfolded)
    }
}
