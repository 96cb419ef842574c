import WeightKitCore

/// Folds every norm that directly follows a convolution into it: s = gamma / sqrt(var + eps),
/// W' = W * s per output channel, b' = (b - mean) * s + beta, computed in float64 and stored in the
/// convolution's dtype. Works for grouped, depthwise and pointwise convs and convs that already have a bias.
/// Norms with no convolution before them (an input normalisation, a pre-activation norm) cannot fold exactly
/// and are reported.
public enum BatchNormFolding {
    /// What folding produced.
    public struct Result: Sendable {
        /// The tensors with every folded norm removed and its convolution's weight and bias replaced.
        public var collection: TensorCollection
        /// Convolutions that absorbed a norm.
        public var folded: [String]
        /// Norms left in place, with the reason.
        public var unfolded: [String]
    }

    /// One norm folded into its convolution: the replacement weight and bias.
    private struct Fold {
        var weight: Tensor
        var bias: Tensor
        var norm: String
    }

    /// Folds the norms of `collection`.
    ///
    /// - Parameters:
    ///   - collection: canonically named tensors with their semantics (the norms' eps).
    ///   - structure: what the network says about norms that cannot fold where the naming rule pairs them.
    /// - Returns: the folded collection and what was and was not folded.
    /// - Throws: `WeightKitError` when a norm's tensors disagree with its convolution's shape.
    public static func fold(_ collection: TensorCollection, structure: NetworkStructure) throws(WeightKitError) -> Result {
        guard collection.naming == .canonical else {
            throw WeightKitError(.invalidArgument, "folding needs canonical names; this collection has source names")
        }
        var folds: [String: Fold] = [:]
        var unfolded: [String] = []
        for tensor in collection.tensors where tensor.name.hasSuffix(".running_var") {
            let norm = String(tensor.name.dropLast(".running_var".count))
            if let reason = structure.unfoldableNorms[norm] {
                unfolded.append("\(norm) (\(reason))")
                continue
            }
            guard let (weightName, biasName) = CanonicalName.convolution(forNorm: norm), let weight = collection[weightName],
                  weight.shape.rank == 4, weight.dtype.isFloatingPoint
            else {
                unfolded.append("\(norm) (no convolution before it)")
                continue
            }
            folds[weightName] = try fold(norm, into: weight, bias: biasName, of: collection)
        }
        return Result(collection: try replacing(folds, in: collection, unfolded: unfolded), folded: folds.keys.sorted(),
                      unfolded: unfolded)
    }

    private static func fold(_ norm: String, into weight: Tensor, bias biasName: String, of collection: TensorCollection)
        throws(WeightKitError) -> Fold
    {
        func values(_ name: String) throws(WeightKitError) -> [Double] {
            guard let t = collection[name] else {
                throw WeightKitError(.malformed, "norm lacks this tensor", location: .init(tensor: name))
            }
            var result: [Double] = []
            t.forEachScalar { result.append($0) }
            return result
        }
        let eps = collection.semantics.effectiveNormEps
        let gamma = try values(norm + ".weight"), beta = try values(norm + ".bias")
        let mean = try values(norm + ".running_mean"), variance = try values(norm + ".running_var")
        let outputs = weight.shape.dimensions[0]
        guard [gamma.count, beta.count, mean.count, variance.count].allSatisfy({ $0 == outputs }) else {
            throw WeightKitError(.malformed, "norm has \(gamma.count) channels, its convolution \(outputs)", location: .init(tensor: norm))
        }
        let scale = (0..<outputs).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
        var w: [Double] = []
        weight.forEachScalar { w.append($0) }
        let perOutput = w.count / max(outputs, 1)
        for index in w.indices { w[index] *= scale[index / perOutput] }
        let oldBias = collection[biasName] != nil ? try values(biasName) : [Double](repeating: 0, count: outputs)
        guard oldBias.count == outputs else {
            throw WeightKitError(.malformed, "bias has \(oldBias.count) values for \(outputs) outputs", location: .init(tensor: biasName))
        }
        let bias = (0..<outputs).map { (oldBias[$0] - mean[$0]) * scale[$0] + beta[$0] }
        return Fold(
            weight: try Tensor(name: weight.name, dtype: weight.dtype, shape: weight.shape, data: DTypeCast.encode(w, as: weight.dtype)),
            bias: try Tensor(name: biasName, dtype: weight.dtype, shape: Shape([outputs]), data: DTypeCast.encode(bias, as: weight.dtype)),
            norm: norm)
    }

    /// The collection with each folded convolution's weight and bias replaced (a new bias right after its
    /// weight) and the folded norms' tensors left out.
    private static func replacing(_ folds: [String: Fold], in collection: TensorCollection, unfolded: [String])
        throws(WeightKitError) -> TensorCollection
    {
        var removed = Set<String>()
        for fold in folds.values {
            for field in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"] {
                removed.insert(fold.norm + "." + field)
            }
        }
        var replacements: [String: Tensor] = [:]
        for fold in folds.values {
            replacements[fold.weight.name] = fold.weight
            replacements[fold.bias.name] = fold.bias
        }
        var output = collection.replacingTensors()
        for tensor in collection.tensors where !removed.contains(tensor.name) {
            try output.append(replacements.removeValue(forKey: tensor.name) ?? tensor)
            // A new bias follows its weight.
            let bias = tensor.name.hasSuffix("weight") ? String(tensor.name.dropLast("weight".count)) + "bias" : ""
            if collection[bias] == nil, let created = replacements.removeValue(forKey: bias) {
                try output.append(created)
            }
        }
        output[.foldedNorms] = String(folds.count)
        if !unfolded.isEmpty { output[.unfoldedNorms] = unfolded.joined(separator: ", ") }
        return output
    }
}
