import Foundation
import WeightKitCore

/// The layout engine in the other direction: canonical names back into any layout's names, from the same
/// layout files (`RuleInverse`), with the semantics the target states converted exactly or refused.
///
/// A conversion keeps the function the weights compute or does not happen: stride placement must be one
/// the target can express (its own semantics, or a config it reads from the file, which is then written);
/// input channels are reordered when the target's order differs; a norm eps that differs is absorbed into
/// the running variance (var + eps stays the same); background rows the target stores and the canonical
/// layout lacks are written as zeros (never read by the target's inference); statistics a target cannot
/// hold (AffineChannel) must be the trivial ones.
public struct TargetMapper: Sendable {
    /// What renaming into a target produced.
    public struct Result: Sendable {
        /// The tensors under the target's names, with metadata describing what they now mean.
        public var collection: TensorCollection
        /// The target layout chosen (a family picks one of its layouts).
        public var layout: String
        /// How the target's `.pth` or `.pkl` holds its state dict, when the layout says.
        public var checkpoint: CheckpointWrapping?
        /// Canonical names the target layout has no name for (a head it lacks).
        public var inexpressible: [String]
        /// What was changed so the target computes the same function.
        public var conversions: [String]
        /// What the target's own config must hold for its semantics to match: text written into the
        /// checkpoint (`meta.config` for mmdetection's caffe style) and settings for the user.
        public var config: TargetConfig
    }

    /// The layouts read backwards, and forwards again to check every name.
    public let mapper: CanonicalMapper

    /// Creates a target mapper over a set of layouts.
    ///
    /// - Parameter mapper: the layouts; the embedded ones by default.
    public init(mapper: CanonicalMapper = .standard) {
        self.mapper = mapper
    }

    /// Names `convert --layout` accepts: `canonical`, every family and every layout that can be a target.
    public var targetNames: [String] {
        let layouts = mapper.layouts.filter { $0.fragment != true }
        let families = layouts.compactMap(\.family)
        var seen = Set<String>()
        return (["canonical"] + families + layouts.map(\.name)).filter { seen.insert($0).inserted }
    }

    /// Renames `canonical` (a canonically named collection) into `target`, a layout or family name.
    ///
    /// - Parameters:
    ///   - canonical: the tensors under canonical names, with their semantics.
    ///   - target: a layout name or a family (`mmdet`), which picks its layout that expresses the most.
    ///   - structure: what the network says about its tensors (its input convolutions, its stages' last blocks).
    /// - Returns: the tensors under the target's names, converted so the target computes the same function.
    /// - Throws: `WeightKitError` when no layout of that name exists or the target cannot express what the
    ///   weights compute.
    public func map(_ canonical: TensorCollection, to target: String, structure: NetworkStructure) throws(WeightKitError) -> Result {
        try mapper.checkLoaded()
        guard canonical.naming == .canonical else {
            throw WeightKitError(.invalidArgument, "only canonically named tensors can be written in another layout; no layout recognised the source's names")
        }
        let candidates = mapper.layouts.filter {
            $0.fragment != true && ($0.name == target || $0.family == target)
        }
        guard !candidates.isEmpty else {
            throw WeightKitError(.invalidArgument, "no layout or family named '\(target)'; choose one of "
                + targetNames.joined(separator: ", "))
        }
        // Names first, for every candidate: cheap, and enough to tell which layouts describe this network.
        var plans: [Plan] = []
        var firstRefusal: WeightKitError?
        for layout in candidates {
            do throws(WeightKitError) {
                let plan = try self.plan(canonical, into: layout, structure: structure)
                // A layout that would not recognise its own output (a detector layout for a lone backbone)
                // does not describe this network.
                guard try mapper.recognizing(plan.names(of: canonical)).contains(where: { $0.name == layout.name }) else {
                    firstRefusal = firstRefusal ?? WeightKitError(
                        .unsupported, "\(layout.name) describes networks with parts this file lacks; "
                            + "its output would not read back as \(layout.name)")
                    continue
                }
                plans.append(plan)
            } catch {
                firstRefusal = firstRefusal ?? error
            }
        }
        // Then values, once: for the layout that expresses the most tensors, or the next if its values
        // cannot be written (statistics it cannot hold).
        for plan in plans.enumerated().sorted(by: { ($0.element.inexpressible.count, $0.offset) < ($1.element.inexpressible.count, $1.offset) }) {
            do throws(WeightKitError) {
                return try apply(plan.element, to: canonical, structure: structure)
            } catch {
                firstRefusal = firstRefusal ?? error
            }
        }
        throw firstRefusal ?? WeightKitError(.invalidArgument, "no layout named '\(target)'")
    }

    // MARK: One layout

    private struct Variant {
        var semantics: WeightSemantics
        var config: TargetConfig
    }

    /// A layout's names for a collection, before any value is converted.
    private struct Plan {
        let layout: LayoutDefinition
        let variant: Variant
        let targetEps: Double
        /// Canonical name -> target name and the rule that gives it.
        let placements: [String: (name: String, rule: LayoutDefinition.Rule)]
        let inexpressible: [String]
        /// Tensors the layout creates when reading (AffineChannel's statistics), with their value and owner.
        let companions: [String: (value: Double, owner: String)]

        /// The target names over the canonical tensors' own data: what recognition needs, nothing copied.
        func names(of canonical: TensorCollection) throws(WeightKitError) -> TensorCollection {
            var names = TensorCollection(format: canonical.format)
            for tensor in canonical.tensors {
                guard let (name, _) = placements[tensor.name], companions[tensor.name] == nil, names[name] == nil else { continue }
                try names.append(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: tensor.data))
            }
            return names
        }
    }

    /// Where every tensor goes in `layout`, and what the layout cannot hold, without touching any values.
    private func plan(
        _ canonical: TensorCollection, into layout: LayoutDefinition, structure: NetworkStructure
    ) throws(WeightKitError) -> Plan {
        let source = canonical.semantics
        let variant = try chooseVariant(of: layout, for: canonical)
        let targetEps = layout.epsInConfig == true ? source.effectiveNormEps : variant.semantics.effectiveNormEps

        let rules = mapper.rules(of: layout)
        let compiled = try CanonicalMapper.compiled(rules, for: nil)
        let inverses = rules.map(RuleInverse.init)
        let network = RuleInverse.Network(lastBlock: structure.lastBlockOfStage)
        let strip = layout.stripPrefixes ?? []
        let prefixes = try (layout.targetPrefixes ?? []).map { (entry) throws(WeightKitError) in
            (try CanonicalMapper.compile(entry.match), entry.prefix)
        }

        // Names first: which rule gives each tensor its target name, and which tensors a rule creates
        // when reading (AffineChannel's statistics), which the target therefore cannot store.
        var placements: [String: (name: String, rule: LayoutDefinition.Rule)] = [:]
        var inexpressible: [String] = []
        var companions: [String: (value: Double, owner: String)] = [:]
        for tensor in canonical.tensors {
            guard let (index, name, captures) = Self.sourceName(
                for: tensor.name, inverses: inverses, compiled: compiled, strip: strip, network: network)
            else {
                inexpressible.append(tensor.name)
                continue
            }
            for synthesis in rules[index].also ?? [] {
                let value: Double
                switch synthesis.value {
                case .number(let number): value = number
                case .oneMinusEps: value = 1 - targetEps
                }
                companions[try NameTemplate(text: synthesis.to).expand(captures)] = (value, tensor.name)
            }
            let prefix = prefixes.first { name.firstMatch(of: $0.0) != nil }?.1 ?? ""
            placements[tensor.name] = (prefix + name, rules[index])
        }

        // A tensor left out of a network the target keeps changes what it computes, unless it does nothing
        // (a zero bias, an identity norm): the bottom-up network must be whole, and a neck (FPN) either whole
        // or absent. Necks and heads the target lacks altogether are only listed. Statistics the target's
        // reading creates (its `also`) are folded into their norm's scale and bias instead.
        let (neck, bottomUp) = (CanonicalName.neck, CanonicalName.bottomUp)
        let neckKept = placements.keys.contains { $0.hasPrefix(neck) && !$0.hasPrefix(bottomUp) }
        for name in inexpressible where companions[name] == nil && (name.hasPrefix(bottomUp) || (neckKept && name.hasPrefix(neck))) {
            guard try Self.isInert(name, in: canonical) else {
                throw WeightKitError(.unsupported, "\(layout.name) has no name for \(name), which the network it keeps "
                    + "computes with; leaving it out would change what the weights compute")
            }
        }
        return Plan(layout: layout, variant: variant, targetEps: targetEps, placements: placements,
                    inexpressible: inexpressible.filter { companions[$0] == nil }, companions: companions)
    }

    /// A linear layer's `[out, in]` matrix as the 1x1 convolution `[out, in, 1, 1]` the target stores it as.
    private static func oneByOneConvolution(_ shape: Shape, of tensor: Tensor) throws(WeightKitError) -> Shape {
        guard shape.rank == 2 else {
            throw WeightKitError(.malformed, "a linear layer's weight is a matrix, not shape \(shape)",
                                 location: .init(tensor: tensor.name))
        }
        return try Shape(shape.dimensions + [1, 1])
    }

    /// The values `plan` needs, converted so the target computes what the source did.
    private func apply(_ plan: Plan, to canonical: TensorCollection, structure: NetworkStructure) throws(WeightKitError) -> Result {
        var collection = canonical
        var conversions = try convertSemantics(&collection, for: plan, structure: structure)
        let (output, zeroRows) = try placed(collection, by: plan)
        if !zeroRows.isEmpty {
            conversions.append("background rows written as zeros (\(plan.layout.name) stores them; its inference never reads them): "
                + zeroRows.joined(separator: ", "))
        }
        var target = output
        target.semantics = target.semantics.overridden(by: plan.variant.semantics)
        target.semantics.normEps = plan.targetEps
        // How boxes are pooled is the framework's configuration, not the weights': the source's pooling is
        // kept, and the user told when the target's default differs.
        if let pooling = canonical.semantics.roiAlign {
            if let targetPooling = plan.variant.semantics.roiAlign, targetPooling != pooling {
                conversions.append("\(plan.layout.name) pools boxes as \(targetPooling.rawValue) by default; these weights were trained "
                    + "with \(pooling.rawValue)'s pooling (kept in weightkit.roi_align): configure the target to match")
            }
            target.semantics.roiAlign = pooling
        }
        let written = plan.variant.config.entries.isEmpty ? "" : " (also written into the checkpoint)"
        for setting in plan.variant.config.settings {
            conversions.append("set \(setting) in the \(plan.layout.name) config\(written)")
        }
        return Result(collection: target, layout: plan.layout.name, checkpoint: plan.layout.checkpoint,
                      inexpressible: plan.inexpressible, conversions: conversions, config: plan.variant.config)
    }

    /// Converts what the target states differently: the input channel order, running statistics it cannot
    /// store, its norm eps. Returns what was changed.
    private func convertSemantics(
        _ collection: inout TensorCollection, for plan: Plan, structure: NetworkStructure
    ) throws(WeightKitError) -> [String] {
        let (layout, targetEps) = (plan.layout, plan.targetEps)
        let source = collection.semantics
        var conversions: [String] = []
        if let order = plan.variant.semantics.channelOrder, let current = source.channelOrder, current != order {
            try ChannelOrder.reorder(&collection, to: order, structure: structure)
            conversions.append("input channels reordered \(current.rawValue) -> \(order.rawValue) (\(layout.name) expects \(order.rawValue))")
        }
        let affine = try Self.foldStatistics(&collection, owners: Set(plan.companions.values.map(\.owner)),
                                             eps: source.effectiveNormEps)
        if !affine.isEmpty {
            conversions.append("\(affine.count) norms with running statistics written as \(layout.name)'s scale and bias (exact)")
        }
        let sourceEps = source.effectiveNormEps
        if layout.epsInConfig == true {
            conversions.append("\(layout.name) reads norm eps from its network definition: build it with eps \(WeightSemantics.format(targetEps))")
            if let branches = source.tridentDilations {
                conversions.append("\(layout.name) reads trident branches from its network definition: build res4 with "
                    + "branches of dilation \(branches.map(String.init).joined(separator: ", "))")
            }
        } else if targetEps != sourceEps {
            try Self.absorbEps(&collection, from: sourceEps, to: targetEps)
            conversions.append("norm eps \(WeightSemantics.format(sourceEps)) -> \(WeightSemantics.format(targetEps)), absorbed into running_var")
        }
        return conversions
    }

    /// The tensors under their target names, with the rules' row moves reversed; the names of the tensors
    /// whose background rows were written as zeros.
    private func placed(_ collection: TensorCollection, by plan: Plan) throws(WeightKitError) -> (TensorCollection, [String]) {
        let layout = plan.layout
        var output = collection.replacingTensors()
        var zeroRows: [String] = []
        for tensor in collection.tensors {
            guard let (name, rule) = plan.placements[tensor.name] else { continue }
            if let companion = plan.companions[tensor.name] {
                try Self.requireConstant(tensor, companion.value, "\(layout.name) stores no running statistics beside \(companion.owner)")
                continue
            }
            var data = tensor.data
            var shape = tensor.shape
            if let value = rule.fill {
                try Self.requireConstant(tensor, value, "\(layout.name) fixes it to \(WeightSemantics.format(value))")
            }
            if rule.softmaxPairsToLogits == true {
                (data, shape) = try RowMove.logitsToSoftmaxPairs(tensor)
            }
            if rule.flattenToMatrix == true {
                shape = try Self.oneByOneConvolution(shape, of: tensor)
            }
            if rule.flattenToVector == true {
                shape = try Shape([1, shape.elementCount, 1, 1])
            }
            if let rows = rule.dropFirstRows {
                (data, shape) = try RowMove.prependZeroRows(tensor, rows: rows)
                zeroRows.append(name)
            }
            if let rows = rule.moveFirstRowsToEnd {
                data = try RowMove.moveLastRowsToFront(try Tensor(name: name, dtype: tensor.dtype, shape: shape, data: data), rows: rows)
            }
            do {
                try output.append(Tensor(name: name, dtype: tensor.dtype, shape: shape, data: data))
            } catch {
                throw WeightKitError(.invalidArgument, "two tensors would both be named '\(name)' in \(layout.name)",
                                     location: .init(tensor: tensor.name))
            }
        }
        output.naming = .source
        output[.layout] = layout.name
        for key in [ContainerKey.unmapped, .synthesized, .fixGamma] { output[key] = nil }
        return (output, zeroRows)
    }

    /// For each norm whose target stores only a scale and a bias (AffineChannel), folds real running
    /// statistics into them: scale w/sqrt(var+eps), bias b - mean*scale; the statistics become the trivial
    /// ones (mean 0, var 1-eps), which the target implies. Returns the norms changed.
    private static func foldStatistics(
        _ collection: inout TensorCollection, owners: Set<String>, eps: Double
    ) throws(WeightKitError) -> [String] {
        var folded: [String] = []
        for owner in owners.sorted() where owner.hasSuffix(".weight") {
            let norm = String(owner.dropLast(".weight".count))
            guard let weight = collection[owner], let mean = collection[norm + ".running_mean"],
                  let variance = collection[norm + ".running_var"]
            else { continue }
            let w = try values(weight), m = try values(mean), v = try values(variance)
            let bias = try collection[norm + ".bias"].map(values) ?? [Double](repeating: 0, count: w.count)
            guard m.count == w.count, v.count == w.count, bias.count == w.count else {
                throw WeightKitError(.malformed, "norm \(norm) has statistics of another length than its weight")
            }
            if m.allSatisfy({ $0 == 0 }), v.allSatisfy({ abs($0 - (1 - eps)) <= 1e-6 }) { continue }
            var scale: [Double] = [], shift: [Double] = []
            for index in w.indices {
                guard v[index] + eps > 0 else {
                    throw WeightKitError(.unsupported, "norm \(norm) has a variance plus eps that is not positive")
                }
                let s = w[index] / (v[index] + eps).squareRoot()
                scale.append(s)
                shift.append(bias[index] - m[index] * s)
            }
            try collection.replace(Tensor(name: owner, dtype: weight.dtype, shape: weight.shape,
                                          data: try DTypeCast.encode(scale, as: weight.dtype)))
            if let old = collection[norm + ".bias"] {
                try collection.replace(Tensor(name: old.name, dtype: old.dtype, shape: old.shape,
                                              data: try DTypeCast.encode(shift, as: old.dtype)))
            } else if shift.contains(where: { $0 != 0 }) {
                throw WeightKitError(.unsupported, "norm \(norm) has running statistics but no bias to fold them into")
            }
            try collection.replace(Tensor(name: mean.name, dtype: mean.dtype, shape: mean.shape,
                                          data: try DTypeCast.encode(repeatElement(0, count: m.count), as: mean.dtype)))
            try collection.replace(Tensor(name: variance.name, dtype: variance.dtype, shape: variance.shape,
                                          data: try DTypeCast.encode(repeatElement(1 - eps, count: v.count), as: variance.dtype)))
            folded.append(norm)
        }
        return folded
    }

    /// Whether leaving `name` out changes nothing: a bias of zeros, or part of a norm that is the identity
    /// (weight 1, bias 0, mean 0, variance 1 - eps within float rounding).
    private static func isInert(_ name: String, in collection: TensorCollection) throws(WeightKitError) -> Bool {
        guard let tensor = collection[name] else { return true }
        let eps = collection.semantics.effectiveNormEps
        let parts = ["weight": 1.0, "bias": 0, "running_mean": 0, "running_var": 1 - eps]
        guard let dot = name.lastIndex(of: "."), parts[String(name[name.index(after: dot)...])] != nil else { return false }
        let owner = String(name[..<dot])
        let isNorm = owner.hasSuffix("norm") && collection[owner + ".running_var"] != nil
        if !isNorm {
            guard name.hasSuffix(".bias") else { return false }
            return try values(tensor).allSatisfy { $0 == 0 }
        }
        for (part, value) in parts {
            guard let member = collection[owner + "." + part] else { continue }
            guard try values(member).allSatisfy({ abs($0 - value) <= 1e-6 * max(1, abs(value)) }) else { return false }
        }
        return true
    }

    private static func values(_ tensor: Tensor) throws(WeightKitError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(tensor.elementCount)
        guard tensor.forEachScalar({ result.append($0) }) else {
            throw WeightKitError(.unsupported, "cannot read \(tensor.dtype.rawValue) values", location: .init(tensor: tensor.name))
        }
        return result
    }

    /// The layout's semantics that match the source's stride placement: those its configs give a ResNeXt,
    /// its own, or one its config can state (`semantics_from_metadata`), preferring one with the source's
    /// channel order.
    private func chooseVariant(of layout: LayoutDefinition, for canonical: TensorCollection) throws(WeightKitError) -> Variant {
        let base = layout.semantics ?? WeightSemantics()
        var variants = [Variant(semantics: base, config: TargetConfig())]
        if let grouped = layout.semanticsWhenGrouped, canonical.hasGroupedBottlenecks {
            variants.insert(Variant(semantics: base.overridden(by: grouped.semantics), config: grouped.targetConfig), at: 0)
        }
        for rule in layout.semanticsFromMetadata ?? [] {
            variants.append(Variant(semantics: base.overridden(by: rule.semantics), config: rule.targetConfig))
        }
        let source = canonical.semantics
        let expressible = variants.filter { variant in
            guard let stride = source.strideIn, let wanted = variant.semantics.strideIn else { return true }
            return wanted == stride
        }
        if let branches = source.tridentDilations, layout.epsInConfig != true {
            throw WeightKitError(.unsupported, "\(layout.name) has no trident branches; these weights run res4 once per "
                + "dilation \(branches.map(String.init).joined(separator: ", ")), so renaming them would change what they compute")
        }
        let dilation = source.res5Dilation ?? 1
        guard dilation == 1 || base.res5Dilation == dilation else {
            throw WeightKitError(.unsupported, "\(layout.name) builds res5 at stride 2; these weights were trained with res5 "
                + "dilated by \(dilation) at stride 1, so renaming them would change what they compute")
        }
        guard let first = expressible.first else {
            let stride = source.strideIn?.rawValue ?? "?"
            throw WeightKitError(.unsupported, "\(layout.name) puts the ResNet stride in the \(base.strideIn?.rawValue ?? "?") "
                + "convolution and cannot state otherwise; these weights were trained with it in the \(stride) one, "
                + "so renaming them would change what they compute")
        }
        return expressible.first { $0.semantics.channelOrder == source.channelOrder } ?? first
    }

    /// The first rule whose inverse gives a source name that maps forward to exactly `canonical`.
    private static func sourceName(
        for canonical: String, inverses: [RuleInverse?], compiled: [CanonicalMapper.CompiledRule], strip: [String],
        network: RuleInverse.Network
    ) -> (Int, String, [String])? {
        for (index, inverse) in inverses.enumerated() {
            guard let inverse else { continue }
            guard let candidate = inverse.candidate(for: canonical, in: network),
                  !strip.contains(where: { candidate.hasPrefix($0) }),
                  let (matched, captures) = CanonicalMapper.firstMatchIndex(candidate, compiled), matched == index,
                  let template = compiled[index].rule.to,
                  (try? NameTemplate(text: template).expand(captures)) == canonical
            else { continue }
            return (index, candidate, captures)
        }
        return nil
    }

    private static func requireConstant(_ tensor: Tensor, _ value: Double, _ why: String) throws(WeightKitError) {
        let tolerance = 1e-6 * max(1, abs(value))
        guard try values(tensor).allSatisfy({ abs($0 - value) <= tolerance }) else {
            throw WeightKitError(.unsupported, "\(tensor.name) holds values other than \(WeightSemantics.format(value)), "
                + "and \(why); writing it would change what the weights compute")
        }
    }

    /// Keeps `running_var + eps` for every norm when the target's eps differs.
    private static func absorbEps(_ collection: inout TensorCollection, from source: Double, to target: Double) throws(WeightKitError) {
        for tensor in collection.tensors where tensor.name.hasSuffix(".running_var") {
            let adjusted = try values(tensor).map { $0 + source - target }
            // A negative (or NaN, from a file's eps) variance is no function the target can compute.
            if let bad = adjusted.first(where: { !($0 >= 0) }) {
                throw WeightKitError(.unsupported, "the target's norm eps \(WeightSemantics.format(target)) exceeds this "
                    + "variance plus the source's eps (\(bad + target)); the target cannot compute the same function",
                    location: .init(tensor: tensor.name))
            }
            try collection.replace(Tensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                                          data: try DTypeCast.encode(adjusted, as: tensor.dtype)))
        }
    }
}
