/// Layout files state semantics as a JSON object: `{"norm": "frozen-batch-norm", "norm_eps": 1e-5,
/// "stride_in": "1x1", "pixel_mean": [103.53, 116.28, 123.675], ...}`. An unknown key or a value of the wrong
/// type is a decoding error.
extension WeightSemantics: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case norm, note, ese
        case normEps = "norm_eps"
        case strideIn = "stride_in"
        case channelOrder = "channel_order"
        case pixelMean = "pixel_mean"
        case pixelStd = "pixel_std"
        case pixelScale = "pixel_scale"
        case classOrder = "class_order"
        case roiAlign = "roi_align"
        case centernessOn = "centerness_on"
        case inputNorm = "input_norm"
        case res5Dilation = "res5_dilation"
        case tridentDilations = "trident_dilations"
    }

    /// Decodes the semantics a layout file states.
    ///
    /// - Parameter decoder: a decoder positioned at the semantics object.
    /// - Throws: `DecodingError` for an unknown key, a value of the wrong type, or a value `validate()` refuses.
    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        norm = try container.decodeIfPresent(NormKind.self, forKey: .norm)
        normEps = try container.decodeIfPresent(Double.self, forKey: .normEps)
        strideIn = try container.decodeIfPresent(StrideIn.self, forKey: .strideIn)
        channelOrder = try container.decodeIfPresent(ChannelOrder.self, forKey: .channelOrder)
        pixelMean = try container.decodeIfPresent([Double].self, forKey: .pixelMean)
        pixelStd = try container.decodeIfPresent([Double].self, forKey: .pixelStd)
        pixelScale = try container.decodeIfPresent(PixelScale.self, forKey: .pixelScale)
        classOrder = try container.decodeIfPresent(ClassOrder.self, forKey: .classOrder)
        roiAlign = try container.decodeIfPresent(RoIAlignSemantics.self, forKey: .roiAlign)
        centernessOn = try container.decodeIfPresent(Tower.self, forKey: .centernessOn)
        inputNorm = try container.decodeIfPresent(InputNormalization.self, forKey: .inputNorm)
        res5Dilation = try container.decodeIfPresent(Int.self, forKey: .res5Dilation)
        tridentDilations = try container.decodeIfPresent([Int].self, forKey: .tridentDilations)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        if let text = try container.decodeIfPresent(String.self, forKey: .ese) {
            guard let placement = EsePlacement(text: text) else {
                throw DecodingError.dataCorruptedError(forKey: .ese, in: container, debugDescription: "unknown eSE placement '\(text)'")
            }
            ese = placement
        }
        do {
            try validate()
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.reason))
        }
    }
}
