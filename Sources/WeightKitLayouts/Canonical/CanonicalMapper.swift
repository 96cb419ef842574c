import Foundation
import WeightKitCore

/// The one engine that applies layout definitions: it picks the layout that recognises a file, renames
/// each tensor by the first rule that matches it, applies the rule's row moves, drops and fills, creates
/// the tensors a rule asks for, and records the layout's semantics. A tensor no rule maps is kept under its
/// source name and reported, never dropped.
public struct CanonicalMapper: Sendable {
    /// What mapping a file produced.
    public struct Result: Sendable {
        /// The tensors under canonical names, with the layout's semantics; unchanged when no layout recognised them.
        public var collection: TensorCollection
        /// The layout chosen, or nil when none recognised the names.
        public var layout: String?
        /// Source names no rule maps, kept as they are.
        public var unmapped: [String]
        /// Source names left out as training state (kept with `--all`).
        public var dropped: [String]
    }

    /// The layouts this mapper chooses from, in order.
    public let layouts: [LayoutDefinition]
    /// Why the layouts could not be loaded: every use of a mapper that failed to load throws it, so a broken
    /// layout file is an error naming it, never a mapper that silently maps nothing.
    private let loadError: WeightKitError?

    /// The layouts shipped with WeightKit (`schemas/layouts/*.json`).
    public static let standard: CanonicalMapper = {
        do throws(WeightKitError) {
            return try CanonicalMapper(jsonDocuments: EmbeddedLayouts.documents.map { ($0.file, $0.text) })
        } catch {
            return CanonicalMapper(failedToLoad: error)
        }
    }()

    /// Creates a mapper over layouts already decoded.
    ///
    /// - Parameter layouts: the layouts to choose from.
    public init(layouts: [LayoutDefinition]) {
        self.layouts = layouts
        loadError = nil
    }

    private init(failedToLoad error: WeightKitError) {
        layouts = []
        loadError = error
    }

    /// Decodes layout files.
    ///
    /// - Parameter jsonDocuments: each file's name (for messages) and JSON text.
    /// - Throws: `WeightKitError` naming the first file that is not a valid layout, and why.
    public init(jsonDocuments: [(name: String, text: String)]) throws(WeightKitError) {
        var decoded: [LayoutDefinition] = []
        for document in jsonDocuments {
            do {
                decoded.append(try JSONDecoder().decode(LayoutDefinition.self, from: Data(document.text.utf8)))
            } catch {
                throw WeightKitError(.invalidArgument, "layout definition is not valid: \(Self.describe(error))",
                                     file: document.name)
            }
        }
        layouts = decoded
        loadError = nil
    }

    /// Throws the error the layouts failed to load with, if they did.
    package func checkLoaded() throws(WeightKitError) {
        if let loadError { throw loadError }
    }

    private static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        let (context, what): (DecodingError.Context, String)
        switch decoding {
        case .dataCorrupted(let c): (context, what) = (c, c.debugDescription)
        case .keyNotFound(let key, let c): (context, what) = (c, "missing key '\(key.stringValue)'")
        case .typeMismatch(_, let c), .valueNotFound(_, let c): (context, what) = (c, c.debugDescription)
        @unknown default: return "\(error)"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? what : "at \(path): \(what)"
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
    ///
    /// - Parameters:
    ///   - collection: tensors under a source's names.
    ///   - keepDropped: keep training state (Detectron's momentum) under its source name.
    /// - Returns: the canonical collection with its semantics, or the collection unchanged (named `source`)
    ///   when no layout recognises the names.
    /// - Throws: `WeightKitError` when two tensors map to one name, or
    ///   a rule cannot be applied to a tensor.
    public func map(_ collection: TensorCollection, keepDropped: Bool = false) throws(WeightKitError) -> Result {
        try checkLoaded()
        guard let (layout, matches) = try choose(for: collection) else {
            var unchanged = collection
            unchanged.naming = .source
            return Result(collection: unchanged, layout: nil, unmapped: collection.names, dropped: [])
        }
        let semantics = try self.semantics(of: layout, for: collection)
        var renaming = Renaming(layout: layout, eps: semantics.effectiveNormEps, facts: collection.sourceFacts,
                                keepDropped: keepDropped)
        for (tensor, match) in zip(collection.tensors, matches) {
            try renaming.add(tensor, match)
        }
        var output = TensorCollection(format: collection.format, metadata: collection.metadata)
        output.sourceFacts = collection.sourceFacts
        try renaming.emit(into: &output)
        output.semantics = output.hasGroupedBottlenecks
            ? try self.semantics(of: layout, for: collection, grouped: true) : semantics
        output.naming = .canonical
        output[.layout] = layout.name
        if let classes = collection.sourceFacts.classes { output[.classes] = SourceFacts.jsonArray(classes) }
        return Result(collection: output, layout: layout.name, unmapped: renaming.unmapped, dropped: renaming.dropped)
    }

    /// What a file's names say, found without producing any tensor data.
    public struct Recognition: Sendable {
        /// The layout that recognises the names.
        public var layout: String
        /// The tensors under their canonical names (training state left out), over the source's own data:
        /// enough to recognise the network they hold, nothing copied.
        public var renamed: TensorCollection
    }

    /// The layout that recognises `collection` and the canonical names it gives: names are renamed and
    /// shapes kept, but nothing is copied, moved or synthesised, so it costs a fraction of `map`. Nil when no
    /// layout recognises the names.
    ///
    /// - Throws: `WeightKitError` when a rule's template cannot be expanded for a name.
    ///
    /// - Parameter collection: tensors under a source's names.
    /// - Returns: the layout and the renamed tensors, or nil.
    public func recognize(_ collection: TensorCollection) throws(WeightKitError) -> Recognition? {
        try checkLoaded()
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
        renamed.naming = .canonical
        return Recognition(layout: layout.name, renamed: renamed)
    }

    /// The semantics of a file's weights: the layout's defaults, what the file's config states
    /// (`semantics_from_metadata`), the norm eps the file's own description gives (an MXNet symbol), then
    /// what a checkpoint WeightKit wrote recorded, which says what the weights meant before any layout could.
    /// Norms whose eps differ cannot be recorded as one, so such a file is refused, not approximated.
    func semantics(of layout: LayoutDefinition, for collection: TensorCollection, grouped: Bool = false)
        throws(WeightKitError) -> WeightSemantics
    {
        if let varies = collection.sourceFacts.normEpsValues {
            throw WeightKitError(
                .unsupported,
                "the file's norms use different eps values (\(WeightSemantics.text(varies))); a canonical container records one eps for all")
        }
        var semantics = try layout.semantics(for: collection.metadata, grouped: grouped)
        if let eps = collection.sourceFacts.normEps { semantics.normEps = eps }
        if let dilations = collection.sourceFacts.tridentDilations { semantics.tridentDilations = dilations }
        semantics = semantics.overridden(by: collection.semantics)
        try semantics.validate()
        return semantics
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

    /// When no layout recognises a file: the layout whose rules map the most of its names, and how many,
    /// so a user sees how near the file is to a known family (nil when no rule maps any name).
    ///
    /// - Parameter collection: tensors under a source's names.
    /// - Returns: the layout's name and how many names its rules map, or nil.
    /// - Throws: `WeightKitError` when the layouts failed to load or a rule's pattern cannot be compiled.
    public func closestLayout(to collection: TensorCollection) throws(WeightKitError) -> (layout: String, mapped: Int)? {
        try checkLoaded()
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
        try checkLoaded()
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

    static func stripped(_ name: String, _ prefixes: [String]) -> String {
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
