import WeightKitCore

/// One naming scheme, as data: how to recognise a file that uses it, what its names become in the canonical
/// layout, and the semantics its weights carry (norm eps, stride placement, channel order). Decoded from
/// the JSON files in `schemas/layouts/`.
public struct LayoutDefinition: Decodable, Sendable {
    /// How a layout recognises a file by its names: patterns that must match and patterns that must not.
    public struct Recognition: Decodable, Sendable {
        /// Every pattern must match at least one name.
        public var required: [String]
        /// No name may match any of these.
        public var forbidden: [String]?

        /// Decodes `recognize` from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the object.
        /// - Throws: `DecodingError` for an unknown key or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(["required", "forbidden"])
            let container = try decoder.container(keyedBy: StrictCodingKey.self)
            required = try container.decode([String].self, forKey: .init(stringValue: "required"))
            forbidden = try container.decodeIfPresent([String].self, forKey: .init(stringValue: "forbidden"))
        }
    }

    /// What a rule does to the tensors it matches.
    public struct Rule: Decodable, Sendable {
        /// A regular expression over the whole source name (after prefixes are stripped).
        public var match: String
        /// The canonical name: `$N` inserts capture N; `{expr}` evaluates integer arithmetic over captures
        /// (`{$1+1}`, `{($2-4)/3+1}`) or looks a capture up (`{$2|w:weight|b:bias}`).
        public var to: String?
        /// Why the tensor is not a weight (training state); such tensors are kept only with `--all`.
        public var drop: String?
        /// Rows to move from the front of dimension 0 to its end (Caffe2's background class goes last).
        public var moveFirstRowsToEnd: Int?
        /// Rows to remove from the front of dimension 0 (background box deltas, background mask logits).
        public var dropFirstRows: Int?
        /// Replace every value with this number (MXNet's fix_gamma: the stored gamma is ignored).
        public var fill: Double?
        /// Two-class softmax logits stored as a background half then a foreground half of dimension 0
        /// become one sigmoid logit per row, foreground minus background (exact: softmax of two is the
        /// sigmoid of their difference).
        public var softmaxPairsToLogits: Bool?
        /// Keep only the first dimension and flatten the rest: a 1x1 convolution used as a linear layer (as a
        /// target, the matrix is stored as that `[out, in, 1, 1]` convolution again).
        public var flattenToMatrix: Bool?
        /// A per-channel parameter kept as `[1, C, 1, 1]` (SimpleDet's merged BatchNorm) becomes its `[C]`
        /// vector (as a target, the vector is stored in that shape again).
        public var flattenToVector: Bool?
        /// Tensors to create beside the mapped one, shaped like it (AffineChannel's missing statistics).
        public var also: [Synthesis]?
        /// How to fill, when writing this layout, captures the canonical name does not carry:
        /// `last_block:$N` is the last block index of backbone stage `res<$N>`, `unless_top:$N:TEXT` is TEXT
        /// unless stage `$N` is the backbone's last (Detectron names its FPN after those), `literal:TEXT` is
        /// TEXT (a fresh gluon export numbers its network 0).
        public var reverseCaptures: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case match, to, drop, also, fill
            case moveFirstRowsToEnd = "move_first_rows_to_end"
            case dropFirstRows = "drop_first_rows"
            case softmaxPairsToLogits = "softmax_pairs_to_logits"
            case flattenToMatrix = "flatten_to_matrix"
            case flattenToVector = "flatten_to_vector"
            case reverseCaptures = "reverse_captures"
        }

        /// Decodes a rule from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the rule.
        /// - Throws: `DecodingError` for an unknown key or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            match = try container.decode(String.self, forKey: .match)
            to = try container.decodeIfPresent(String.self, forKey: .to)
            drop = try container.decodeIfPresent(String.self, forKey: .drop)
            moveFirstRowsToEnd = try container.decodeIfPresent(Int.self, forKey: .moveFirstRowsToEnd)
            dropFirstRows = try container.decodeIfPresent(Int.self, forKey: .dropFirstRows)
            fill = try container.decodeIfPresent(Double.self, forKey: .fill)
            softmaxPairsToLogits = try container.decodeIfPresent(Bool.self, forKey: .softmaxPairsToLogits)
            flattenToMatrix = try container.decodeIfPresent(Bool.self, forKey: .flattenToMatrix)
            flattenToVector = try container.decodeIfPresent(Bool.self, forKey: .flattenToVector)
            also = try container.decodeIfPresent([Synthesis].self, forKey: .also)
            reverseCaptures = try container.decodeIfPresent([String: String].self, forKey: .reverseCaptures)
        }
    }

    /// A tensor the layout creates: `value` is a number or `"1-eps"` (the layout's norm eps).
    public struct Synthesis: Decodable, Sendable {
        /// The canonical name of the created tensor (captures of the rule's match allowed).
        public var to: String
        /// What every element of the created tensor is.
        public var value: SynthesisValue

        /// Decodes an `also` entry from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the entry.
        /// - Throws: `DecodingError` for an unknown key or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(["to", "value"])
            let container = try decoder.container(keyedBy: StrictCodingKey.self)
            to = try container.decode(String.self, forKey: .init(stringValue: "to"))
            value = try container.decode(SynthesisValue.self, forKey: .init(stringValue: "value"))
        }
    }

    /// The value a created tensor is filled with.
    public enum SynthesisValue: Decodable, Sendable {
        /// Every element is this number.
        case number(Double)
        /// Every element is 1 minus the layout's norm eps.
        case oneMinusEps

        /// Decodes a number or the string `"1-eps"`.
        ///
        /// - Parameter decoder: a decoder positioned at the value.
        /// - Throws: `DecodingError` for anything else.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if try container.decode(String.self) == "1-eps" {
                self = .oneMinusEps
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "value must be a number or \"1-eps\"")
            }
        }
    }

    /// The layout's name, as `weightkit.layout` records it and `convert --layout` accepts it.
    public var name: String
    /// A phrase for people: the framework and network the layout describes.
    public var description: String
    /// Fragments hold shared rules and are never chosen on their own.
    public var fragment: Bool?
    /// Fragments whose rules follow this layout's own.
    public var include: [String]?
    /// How files in this layout are recognised; nil for fragments and layouts only written, never chosen.
    public var recognize: Recognition?
    /// Prefixes removed from every name before matching (`module.`, MXNet's `arg:`/`aux:`).
    public var stripPrefixes: [String]?
    /// How the source's weights compute.
    public var semantics: WeightSemantics?
    /// Semantics a file states for itself (a training config in the checkpoint), overriding `semantics`.
    public var semanticsFromMetadata: [MetadataSemantics]?
    /// Semantics that hold when the network is a ResNeXt, which the framework's configs always set.
    public var semanticsWhenGrouped: GroupedSemantics?
    /// The rules, tried in order; the first whose `match` matches a name applies.
    public var rules: [Rule]
    /// The name users give the framework this layout belongs to (`mmdet`, `torchvision-detection`):
    /// `convert --layout FAMILY` picks the family's layout that can express the most tensors.
    public var family: String?
    /// The framework takes each norm's eps from the network definition (an MXNet symbol), not from fixed
    /// code: as a target, the source's eps is kept and stated rather than absorbed.
    public var epsInConfig: Bool?
    /// How the framework's `.pth` or `.pkl` holds its state dict.
    public var checkpoint: CheckpointWrapping?
    /// Prefixes written before target names, the first whose pattern matches (the reverse of
    /// `strip_prefixes`: mmdetection's backbone under `backbone.`, MXNet's `arg:`/`aux:`).
    public var targetPrefixes: [TargetPrefix]?

    /// A prefix written before the target names that match a pattern.
    public struct TargetPrefix: Decodable, Sendable {
        /// A regular expression searched in the target name (not anchored unless it says so).
        public var match: String
        /// The text written before the name.
        public var prefix: String

        /// Decodes a `target_prefixes` entry from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the entry.
        /// - Throws: `DecodingError` for an unknown key or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(["match", "prefix"])
            let container = try decoder.container(keyedBy: StrictCodingKey.self)
            match = try container.decode(String.self, forKey: .init(stringValue: "match"))
            prefix = try container.decode(String.self, forKey: .init(stringValue: "prefix"))
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, fragment, include, recognize, semantics, rules
        case stripPrefixes = "strip_prefixes"
        case semanticsFromMetadata = "semantics_from_metadata"
        case semanticsWhenGrouped = "semantics_when_grouped"
        case family, checkpoint
        case epsInConfig = "eps_in_config"
        case targetPrefixes = "target_prefixes"
    }

    /// Decodes a layout file.
    ///
    /// - Parameter decoder: a decoder positioned at the file's top-level object.
    /// - Throws: `DecodingError` for an unknown key, a missing `name`, `description` or `rules`, or a value of
    ///   the wrong type.
    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decode(String.self, forKey: .description)
        fragment = try container.decodeIfPresent(Bool.self, forKey: .fragment)
        include = try container.decodeIfPresent([String].self, forKey: .include)
        recognize = try container.decodeIfPresent(Recognition.self, forKey: .recognize)
        stripPrefixes = try container.decodeIfPresent([String].self, forKey: .stripPrefixes)
        semantics = try container.decodeIfPresent(WeightSemantics.self, forKey: .semantics)
        semanticsFromMetadata = try container.decodeIfPresent([MetadataSemantics].self, forKey: .semanticsFromMetadata)
        semanticsWhenGrouped = try container.decodeIfPresent(GroupedSemantics.self, forKey: .semanticsWhenGrouped)
        rules = try container.decode([Rule].self, forKey: .rules)
        family = try container.decodeIfPresent(String.self, forKey: .family)
        epsInConfig = try container.decodeIfPresent(Bool.self, forKey: .epsInConfig)
        checkpoint = try container.decodeIfPresent(CheckpointWrapping.self, forKey: .checkpoint)
        targetPrefixes = try container.decodeIfPresent([TargetPrefix].self, forKey: .targetPrefixes)
    }
}

extension LayoutDefinition {
    /// The layout's semantics, with those of a ResNeXt when `grouped`, then what the file's own metadata
    /// states applied over them in order.
    ///
    /// - Parameters:
    ///   - metadata: the source file's metadata.
    ///   - grouped: whether the network is a ResNeXt.
    /// - Returns: the semantics the weights compute with.
    /// - Throws: `WeightKitError` when the metadata gives a setting a value its framework does not take.
    public func semantics(for metadata: [String: String], grouped: Bool = false) throws(WeightKitError) -> WeightSemantics {
        var result = semantics ?? WeightSemantics()
        if grouped, let rule = semanticsWhenGrouped { result = result.overridden(by: rule.semantics) }
        for rule in semanticsFromMetadata ?? [] {
            try rule.check(in: metadata)
            if rule.holds(in: metadata) { result = result.overridden(by: rule.semantics) }
        }
        return result
    }
}
