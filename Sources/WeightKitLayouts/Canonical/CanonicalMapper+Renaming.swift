import WeightKitCore

extension CanonicalMapper {
    /// One file being renamed by one layout: each tensor under its canonical name with the rule's row
    /// moves, drops and fills applied, and the tensors the rule creates beside it.
    struct Renaming {
        let layout: LayoutDefinition
        let eps: Double
        let keepDropped: Bool
        /// Norms whose gamma MXNet computes as 1 wherever the symbol says fix_gamma, whatever the file stores.
        let fixedGammas: Set<String>
        private(set) var unmapped: [String] = []
        private(set) var dropped: [String] = []
        private(set) var filled: [String] = []
        private var mapped: [(tensor: Tensor, companions: [(name: String, value: Double)])] = []
        private var templates = TemplateCache()

        init(layout: LayoutDefinition, eps: Double, facts: SourceFacts, keepDropped: Bool) {
            self.layout = layout
            self.eps = eps
            self.keepDropped = keepDropped
            fixedGammas = Set((facts.fixGammaNorms ?? []).map { $0 + "_gamma" })
        }

        /// Renames `tensor` by its matching rule, or keeps it under its source name when none matches.
        mutating func add(_ tensor: Tensor, _ match: (rule: LayoutDefinition.Rule, captures: [String])?) throws(WeightKitError) {
            guard let (rule, captures) = match else {
                unmapped.append(tensor.name)
                mapped.append((tensor, []))
                return
            }
            let target = try rule.to.map { (template) throws(WeightKitError) in try templates.expand(template, captures) } ?? tensor.name
            if rule.drop != nil {
                dropped.append(tensor.name)
                guard keepDropped else { return }
            }
            let name = CanonicalMapper.stripped(tensor.name, layout.stripPrefixes ?? [])
            let (data, shape) = try transformed(tensor, by: rule, fillingGamma: fixedGammas.contains(name), as: target)
            var companions: [(name: String, value: Double)] = []
            for synthesis in rule.also ?? [] {
                let value: Double
                switch synthesis.value {
                case .number(let number): value = number
                case .oneMinusEps: value = 1 - eps
                }
                companions.append((try templates.expand(synthesis.to, captures), value))
            }
            mapped.append((try Tensor(name: target, dtype: tensor.dtype, shape: shape, data: data), companions))
        }

        /// The tensor's values and shape after the rule's row moves, reshape and fill.
        private mutating func transformed(
            _ tensor: Tensor, by rule: LayoutDefinition.Rule, fillingGamma: Bool, as target: String
        ) throws(WeightKitError) -> (TensorData, Shape) {
            var data = tensor.data
            var shape = tensor.shape
            if let rows = rule.moveFirstRowsToEnd {
                data = try RowMove.moveFirstRowsToEnd(tensor, rows: rows)
            }
            if let rows = rule.dropFirstRows {
                (data, shape) = try RowMove.dropFirstRows(tensor, rows: rows)
            }
            if rule.softmaxPairsToLogits == true {
                (data, shape) = try RowMove.softmaxPairsToLogits(tensor)
            }
            if rule.flattenToMatrix == true, let rows = shape.dimensions.first {
                shape = try Shape([rows, rows == 0 ? 0 : shape.elementCount / rows])
            }
            if rule.flattenToVector == true {
                guard shape.dimensions.filter({ $0 != 1 }).count <= 1 else {
                    throw WeightKitError(.malformed, "has shape \(shape.dimensions), not one value per channel", location: .init(tensor: tensor.name))
                }
                shape = try Shape([shape.elementCount])
            }
            if let value = rule.fill ?? (fillingGamma ? 1 : nil) {
                data = try TensorFill.filled(like: tensor, value: value)
                filled.append(target)
            }
            return (data, shape)
        }

        /// Appends every renamed tensor to `output`, each followed by the tensors its rule creates; a created
        /// tensor yields to a real one of the same name (SpatialBN files carry their statistics).
        func emit(into output: inout TensorCollection) throws(WeightKitError) {
            let realNames = Set(mapped.map(\.tensor.name))
            var synthesized: [String] = []
            for (tensor, companions) in mapped {
                do {
                    try output.append(tensor)
                } catch {
                    throw WeightKitError(.malformed, "two source tensors map to '\(tensor.name)'", location: .init(tensor: tensor.name))
                }
                for (name, value) in companions where !realNames.contains(name) && output[name] == nil {
                    try output.append(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape,
                                             data: try TensorFill.filled(like: tensor, value: value)))
                    synthesized.append(name)
                }
            }
            if !unmapped.isEmpty { output[.unmapped] = unmapped.joined(separator: ",") }
            if !synthesized.isEmpty { output[.synthesized] = synthesized.joined(separator: ",") }
            if !filled.isEmpty { output[.fixGamma] = filled.joined(separator: ",") }
            if !dropped.isEmpty, !keepDropped { output[.dropped] = String(dropped.count) }
        }
    }
}
