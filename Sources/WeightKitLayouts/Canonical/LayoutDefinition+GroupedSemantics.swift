import WeightKitCore

extension LayoutDefinition {
    /// Semantics a framework's configs give every ResNeXt (grouped 3x3 convolutions in the bottlenecks)
    /// although its checkpoints do not say: detectron2's and maskrcnn-benchmark's X-101 configs all set
    /// `STRIDE_IN_1X1: False`. As a target, the layout tells the user `setting`.
    public struct GroupedSemantics: Decodable, Sendable {
        /// The semantics every ResNeXt of the framework computes with.
        public var semantics: WeightSemantics
        /// The framework config setting that makes it compute with these semantics.
        public var setting: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case semantics, setting
        }

        /// Decodes `semantics_when_grouped` from a layout file.
        ///
        /// - Parameter decoder: a decoder positioned at the object.
        /// - Throws: `DecodingError` for an unknown key, missing `semantics` or a value of the wrong type.
        public init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            semantics = try container.decode(WeightSemantics.self, forKey: .semantics)
            setting = try container.decodeIfPresent(String.self, forKey: .setting)
        }

        var targetConfig: TargetConfig {
            TargetConfig(settings: setting.map { [$0] } ?? [])
        }
    }
}

extension TensorCollection {
    /// Whether the canonical ResNet's first bottleneck groups its 3x3 convolution (a ResNeXt): the 1x1
    /// before it produces more channels than each group of the 3x3 reads.
    public var hasGroupedBottlenecks: Bool {
        let block = CanonicalName.bottomUp + "res2.0."
        guard let reduce = self[block + "conv1.weight"]?.shape.dimensions,
              let spatial = self[block + "conv2.weight"]?.shape.dimensions,
              reduce.count == 4, spatial.count == 4, spatial[1] > 0
        else { return false }
        return reduce[0] > spatial[1]
    }
}
