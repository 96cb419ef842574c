import Foundation
import WeightKitCore

/// The one engine that applies layout definitions: it picks the layout that recognises a file, renames
/// each tensor by the first rule that matches it, applies the rule's row moves, drops and fills, creates
/// the tensors a rule asks for, and records the layout's semantics. A tensor no rule maps is kept under its
/// source name and reported, never dropped.
public struct CanonicalMapper: Sendable {
    /// What mapping a file produced.
    public struct Result: Sendable {
        public var collection: TensorCollection
        /// The layout chosen, or nil when none recognised the names.
        public var layout: String?
        /// Source names no rule maps, kept as they are.
        public var unmapped: [String]
        /// Source names left out as training state (kept with `--all`).
        public var dropped: [String]
    }

    public let layouts: [LayoutDefinition]

    /// The layouts shipped with WeightKit (`schemas/layouts/*.json`).
    public static let standard: CanonicalMapper = {
        do {
            return try CanonicalMapper(jsonDocuments: EmbeddedLayouts.documents.map(\.text))
        } catch {
            // The embedded layouts are checked by the test suite; a broken one maps nothing.
            return CanonicalMapper(layouts: [])
        }
    }()

    public init(layouts: [LayoutDefinition]) {
        self.layouts = layouts
    }

    public init(jsonDocuments: [String]) throws(WeightKitError) {
        var decoded: [LayoutDefinition] = []
        for document in jsonDocuments {
            do {
                decoded.append(try JSONDecoder().decode(LayoutDefinition.self, from: Data(document.utf8)))
            } catch {
                throw WeightKitError(.invalidArgument, "layout definition is not valid: \(error)")
            }
        }
        layouts = decoded
    }

    /// The rules of `layout` followed by those of the fragments it includes.
    package func rules(of layout: LayoutDefinition) -> [LayoutDefinition.Rule] {
        var rules = layout.rules
        for name in layout.include ?? [] {
            if let fragment = layouts.first(where: { $0.name == name }) { rules += self.rules(of: fragment) }
        }
        return rules
    }

    /// Maps `collection` to canonical names. With `keepDropped`, training state stays in the output.
    public func map(_ collection: TensorCollection, keepDropped: Bool = false) throws(WeightKitError) -> Result {
        guard let (layout, matches) = try choose(for: collection) else {
            var unchanged = collection
            unchanged.naming = .source
            return Result(collection: unchanged, layout: nil, unmapped: collection.names, dropped: [])
        }
        if let reason = layout.unsupported {
            throw WeightKitError(.unsupported, "\(layout.description) \(reason)")
        }
        let strip = layout.stripPrefixes ?? []
        let eps = try Self.recordedOrLaid(semantics(of: layout, for: collection.metadata), collection.metadata)["norm_eps"]
            .flatMap(Double.init) ?? CanonicalSemantics.defaultNormEps
        var output = TensorCollection(format: collection.format, metadata: collection.metadata)
        var unmapped: [String] = [], dropped: [String] = [], filled: [String] = []
        // MXNet computes with gamma 1 wherever the symbol says fix_gamma, whatever the file stores.
        let fixedGammas = Set((collection.metadata[SourceFact.fixGammaNorms.rawValue] ?? "")
            .split(separator: ",").map { "\($0)_gamma" })
        // Mapped tensors, each with the tensors its rule creates beside it.
        var mapped: [(tensor: Tensor, companions: [(name: String, value: Double)])] = []
        var templates = TemplateCache()
        for (tensor, match) in zip(collection.tensors, matches) {
            let name = Self.stripped(tensor.name, strip)
            guard let (rule, captures) = match else {
                unmapped.append(tensor.name)
                mapped.append((tensor, []))
                continue
            }
            let target = try rule.to.map { (template) throws(WeightKitError) in
                try templates.expand(template, captures)
            } ?? tensor.name
            if rule.drop != nil {
                dropped.append(tensor.name)
                guard keepDropped else { continue }
            }
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
            if let value = rule.fill ?? (fixedGammas.contains(name) ? 1 : nil) {
                data = try TensorFill.filled(like: tensor, value: value)
                filled.append(target)
            }
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
        // A created tensor yields to a real one of the same name (SpatialBN files carry their statistics).
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
        output.naming = .canonical
        output[.layout] = layout.name
        for (name, value) in try Self.recordedOrLaid(semantics(of: layout, for: collection.metadata), collection.metadata) {
            guard let key = ContainerKey(semantic: name) else {
                throw WeightKitError(.invalidArgument, "layout \(layout.name) records '\(name)', which is no documented key")
            }
            output[key] = value
        }
        if let classes = collection.metadata[SourceFact.classes.rawValue] { output[.classes] = classes }
        if !unmapped.isEmpty { output[.unmapped] = unmapped.joined(separator: ",") }
        if !synthesized.isEmpty { output[.synthesized] = synthesized.joined(separator: ",") }
        if !filled.isEmpty { output[.fixGamma] = filled.joined(separator: ",") }
        if !dropped.isEmpty, !keepDropped { output[.dropped] = String(dropped.count) }
        ArchitectureRecognizer.describe(&output)
        return Result(collection: output, layout: layout.name, unmapped: unmapped, dropped: dropped)
    }

    /// What a file's names say, found without producing any tensor data.
    public struct Recognition: Sendable, Equatable {
        /// The layout that recognises the names.
        public var layout: String
        /// The network the renamed tensors hold.
        public var topology: NetworkTopology
        /// `weightkit.architecture`, `.neck` and `.heads` as `map` would record them, when the names hold a
        /// network WeightKit knows.
        public var architecture: String?
        public var neck: String?
        public var heads: String?
    }

    /// The layout that recognises `collection` and the network it holds: names are renamed and shapes kept,
    /// but nothing is copied, moved or synthesised, so it costs a fraction of `map`. Nil when no layout
    /// recognises the names.
    public func recognize(_ collection: TensorCollection) throws(WeightKitError) -> Recognition? {
        guard let (layout, matches) = try choose(for: collection) else { return nil }
        var renamed = TensorCollection(format: collection.format)
        var templates = TemplateCache()
        for (tensor, match) in zip(collection.tensors, matches) {
            var target = tensor.name
            if let (rule, captures) = match {
                guard rule.drop == nil else { continue }
                if let template = rule.to { target = try templates.expand(template, captures) }
            }
            guard renamed[target] == nil else { continue }
            try renamed.append(Tensor(name: target, dtype: tensor.dtype, shape: tensor.shape, data: tensor.data))
        }
        let topology = ArchitectureRecognizer.topology(of: renamed)
        topology.record(in: &renamed)
        return Recognition(layout: layout.name, topology: topology, architecture: renamed[.architecture],
                           neck: renamed[.neck], heads: renamed[.heads])
    }

    /// The layout's semantics for a file: the layout's defaults, what the file's config states
    /// (`semantics_from_metadata`), then the norm eps the file's own description gives (an MXNet symbol).
    /// Norms whose eps differ cannot be recorded as one, so such a file is refused, not approximated.
    func semantics(of layout: LayoutDefinition, for metadata: [String: String]) throws(WeightKitError)
        -> [String: String]
    {
        if let varies = metadata[SourceFact.normEpsVaries.rawValue] {
            throw WeightKitError(
                .unsupported,
                "the file's norms use different eps values (\(varies)); a canonical container records one eps for all")
        }
        var semantics = layout.semantics(for: metadata)
        if let eps = metadata[SourceFact.normEps.rawValue] { semantics["norm_eps"] = eps }
        return semantics
    }

    /// The layout's semantics, except where the file records its own (`weightkit.*` keys in a checkpoint
    /// WeightKit wrote): those say what the weights meant before this layout's defaults could.
    static func recordedOrLaid(_ semantics: [String: String], _ metadata: [String: String]) -> [String: String] {
        var result = semantics
        for key in ["norm", "norm_eps", "stride_in", "channel_order", "pixel_scale", "pixel_mean", "pixel_std", "roi_align"] {
            if let recorded = metadata["weightkit." + key] { result[key] = recorded }
        }
        return result
    }

    /// A rule with its compiled pattern and the literal text every match starts with: a plain prefix test
    /// rejects most names before the (much slower) regular expression runs; likewise the literal end. The
    /// pattern is nil when no name the rules will see has both, so it was never compiled.
    typealias CompiledRule = (rule: LayoutDefinition.Rule, pattern: Regex<AnyRegexOutput>?, prefix: String, suffix: String)

    /// `rules` compiled for matching `names`; a rule whose literal ends no name has is left uncompiled
    /// (compiling a layout's every pattern costs more than matching a checkpoint's names). Without `names`
    /// every rule is compiled.
    static func compiled(_ rules: [LayoutDefinition.Rule], for names: [String]?) throws(WeightKitError) -> [CompiledRule] {
        try rules.map { (rule) throws(WeightKitError) -> CompiledRule in
            let prefix = literalPrefix(of: rule.match), suffix = literalSuffix(of: rule.match)
            if let names, !names.contains(where: { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }) {
                return (rule, nil, prefix, suffix)
            }
            return (rule, try compile(rule.match), prefix, suffix)
        }
    }

    /// The literal start of an anchored pattern: `^backbone\.body\.layer(\d+)` gives `backbone.body.layer`.
    static func literalPrefix(of pattern: String) -> String {
        guard pattern.hasPrefix("^"), !hasTopLevelAlternation(pattern) else { return "" }
        var prefix = ""
        var characters = pattern.dropFirst().makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                guard let escaped = characters.next(), ".[](){}*+?|$^/-_".contains(escaped) else { break }
                prefix.append(escaped)
            } else if ".[](){}*+?|$^".contains(character) {
                // A quantifier makes the character before it optional.
                if "*?{".contains(character), !prefix.isEmpty { prefix.removeLast() }
                break
            } else {
                prefix.append(character)
            }
        }
        return prefix
    }

    /// The literal end every whole match has: `^x\.(\d+)/conv\.weight$` gives `/conv.weight`; "" when the
    /// pattern ends in anything but literal characters or alternates at its top level.
    static func literalSuffix(of pattern: String) -> String {
        guard !hasTopLevelAlternation(pattern) else { return "" }
        var run = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\\":
                guard let escaped = characters.next() else { return "" }
                if ".[](){}*+?|$^/-_".contains(escaped) { run.append(escaped) } else { run = "" }
            case "[":
                // A class: skip to its end.
                while let inner = characters.next(), inner != "]" {
                    if inner == "\\" { _ = characters.next() }
                }
                run = ""
            case "{":
                while let inner = characters.next(), inner != "}" {}
                run = ""
            case "$":
                return run
            case "(", ")", "|", ".", "*", "+", "?", "^":
                run = ""
            default:
                run.append(character)
            }
        }
        return run
    }

    /// Whether `pattern` has a `|` outside every group, so that neither end of it is certain.
    static func hasTopLevelAlternation(_ pattern: String) -> Bool {
        var depth = 0, inClass = false
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                _ = characters.next()
            } else if inClass {
                if character == "]" { inClass = false }
            } else if character == "[" {
                inClass = true
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if character == "|", depth <= 0 {
                return true
            }
        }
        return false
    }

    /// Each tensor's matching rule and captures (in `collection.names` order, names stripped as the layout
    /// says), found once and used by `map` and `recognize`.
    typealias Matches = [(rule: LayoutDefinition.Rule, captures: [String])?]

    /// The recognising layout that maps the most tensors, with each tensor's match. Recognition needs only a
    /// few patterns per layout, so rules are compiled and tried only for layouts that recognise the names.
    private func choose(for collection: TensorCollection) throws(WeightKitError) -> (LayoutDefinition, Matches)? {
        var best: (layout: LayoutDefinition, matches: Matches, mapped: Int)?
        for layout in try recognizing(collection) {
            let names = collection.names.map { Self.stripped($0, layout.stripPrefixes ?? []) }
            let compiled = try Self.compiled(rules(of: layout), for: names)
            let matches = names.map { Self.firstMatch($0, compiled) }
            let mapped = matches.count { $0 != nil }
            if mapped > (best?.mapped ?? -1) { best = (layout, matches, mapped) }
        }
        return best.map { ($0.layout, $0.matches) }
    }

    /// Templates parsed once per text rather than once per tensor.
    private struct TemplateCache {
        private var parsed: [String: NameTemplate] = [:]

        mutating func expand(_ text: String, _ captures: [String]) throws(WeightKitError) -> String {
            if let template = parsed[text] { return try template.expand(captures) }
            let template = try NameTemplate(text: text)
            parsed[text] = template
            return try template.expand(captures)
        }
    }

    /// When no layout recognises a file: the layout whose rules map the most of its names, and how many,
    /// so a user sees how near the file is to a known family (nil when no rule maps any name).
    public func closestLayout(to collection: TensorCollection) throws(WeightKitError) -> (layout: String, mapped: Int)? {
        var best: (layout: String, mapped: Int)?
        let sourceNames = collection.names
        for layout in layouts where layout.fragment != true && layout.recognize != nil {
            // Pass-through rules (detectron2's `$0`) match any name of their shape and say nothing.
            let names = sourceNames.map { Self.stripped($0, layout.stripPrefixes ?? []) }
            let compiled = try Self.compiled(rules(of: layout).filter { $0.drop == nil && $0.to != "$0" }, for: names)
            let mapped = names.filter { Self.firstMatch($0, compiled) != nil }.count
            if mapped > (best?.mapped ?? 0) { best = (layout.name, mapped) }
        }
        return best
    }

    /// Every layout whose recognition claims the names: its required patterns all match a name and none
    /// of its forbidden ones does. Families are told apart by these, so for a real file there is one.
    package func recognizing(_ collection: TensorCollection) throws(WeightKitError) -> [LayoutDefinition] {
        var claiming: [LayoutDefinition] = []
        let sourceNames = collection.names
        for layout in layouts where layout.fragment != true {
            guard let recognition = layout.recognize else { continue }
            let names = sourceNames.map { Self.stripped($0, layout.stripPrefixes ?? []) }
            func anyName(matches pattern: String) throws(WeightKitError) -> Bool {
                let prefix = Self.literalPrefix(of: pattern), suffix = Self.literalSuffix(of: pattern)
                let candidates = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }
                guard !candidates.isEmpty else { return false }
                let regex = try Self.compile(pattern)
                return candidates.contains { $0.wholeMatch(of: regex) != nil }
            }
            var recognised = true
            for pattern in recognition.required where recognised {
                recognised = try anyName(matches: pattern)
            }
            for pattern in recognition.forbidden ?? [] where recognised {
                recognised = try !anyName(matches: pattern)
            }
            if recognised { claiming.append(layout) }
        }
        return claiming
    }

    static func compile(_ pattern: String) throws(WeightKitError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw WeightKitError(.invalidArgument, "layout pattern '\(pattern)' is not a valid regular expression")
        }
    }

    private static func firstMatch(_ name: String, _ rules: [CompiledRule]) -> (LayoutDefinition.Rule, [String])? {
        firstMatchIndex(name, rules).map { (rules[$0.0].rule, $0.1) }
    }

    /// The index of the first rule matching `name`, with its captures.
    static func firstMatchIndex(_ name: String, _ rules: [CompiledRule]) -> (Int, [String])? {
        for (index, (_, pattern, prefix, suffix)) in rules.enumerated() where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            if let pattern, let match = name.wholeMatch(of: pattern) {
                return (index, match.output.map { $0.substring.map(String.init) ?? "" })
            }
        }
        return nil
    }

    private static func stripped(_ name: String, _ prefixes: [String]) -> String {
        guard prefixes.contains(where: { name.hasPrefix($0) }) else { return name }
        var result = Substring(name)
        var changed = true
        while changed {
            changed = false
            for prefix in prefixes where result.hasPrefix(prefix) {
                result = result.dropFirst(prefix.count)
                changed = true
            }
        }
        return String(result)
    }
}
