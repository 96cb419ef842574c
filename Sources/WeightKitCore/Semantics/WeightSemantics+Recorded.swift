extension WeightSemantics {
    /// The container keys these semantics are recorded under.
    public static let recordedKeys: [ContainerKey] = [
        .norm, .normEps, .strideIn, .channelOrder, .pixelMean, .pixelStd, .pixelScale, .classOrder, .roiAlign, .ese,
        .centernessOn, .inputNorm, .res5Dilation, .tridentDilations, .note,
    ]

    /// The semantics as a container records them (`weightkit.norm_eps`: `1e-05`), for every stated field.
    public var recorded: [ContainerKey: String] {
        var result: [ContainerKey: String] = [:]
        result[.norm] = norm?.rawValue
        result[.normEps] = normEps.map(Self.format)
        result[.strideIn] = strideIn?.rawValue
        result[.channelOrder] = channelOrder?.rawValue
        result[.pixelMean] = pixelMean.map(Self.text)
        result[.pixelStd] = pixelStd.map(Self.text)
        result[.pixelScale] = pixelScale?.rawValue
        result[.classOrder] = classOrder?.rawValue
        result[.roiAlign] = roiAlign?.rawValue
        result[.ese] = ese?.text
        result[.centernessOn] = centernessOn?.rawValue
        result[.inputNorm] = inputNorm?.rawValue
        result[.res5Dilation] = res5Dilation.map(String.init)
        result[.tridentDilations] = tridentDilations?.map(String.init).joined(separator: ",")
        result[.note] = note
        return result
    }

    /// Reads the semantics a container records, refusing a value no writer of this version produces.
    ///
    /// - Parameter metadata: a container's metadata; keys other than `recordedKeys` are ignored.
    /// - Throws: `WeightKitError` naming the key and the value it could not read.
    public init(recorded metadata: [String: String]) throws(WeightKitError) {
        self.init()
        func value<T>(_ key: ContainerKey, _ parse: (String) -> T?) throws(WeightKitError) -> T? {
            guard let text = metadata[key.rawValue] else { return nil }
            guard let parsed = parse(text) else {
                throw WeightKitError(.malformed, "\(key.rawValue) is '\(text)', which is no value it can hold")
            }
            return parsed
        }
        norm = try value(.norm, NormKind.init(rawValue:))
        normEps = try value(.normEps, Double.init)
        strideIn = try value(.strideIn, StrideIn.init(rawValue:))
        channelOrder = try value(.channelOrder, ChannelOrder.init(rawValue:))
        pixelMean = try value(.pixelMean, Self.numbers)
        pixelStd = try value(.pixelStd, Self.numbers)
        pixelScale = try value(.pixelScale, PixelScale.init(rawValue:))
        classOrder = try value(.classOrder, ClassOrder.init(rawValue:))
        roiAlign = try value(.roiAlign, RoIAlignSemantics.init(rawValue:))
        ese = try value(.ese, EsePlacement.init(text:))
        centernessOn = try value(.centernessOn, Tower.init(rawValue:))
        inputNorm = try value(.inputNorm, InputNormalization.init(rawValue:))
        res5Dilation = try value(.res5Dilation) { Int($0) }
        tridentDilations = try value(.tridentDilations) { text in
            let values = text.split(separator: ",").compactMap { Int($0) }
            return values.isEmpty ? nil : values
        }
        note = metadata[ContainerKey.note.rawValue]
        do {
            try validate()
        } catch {
            throw WeightKitError(.malformed, "the recorded semantics are not usable: \(error.reason)")
        }
    }

    /// Numbers as metadata lists them: `103.53,116.28,123.675`.
    ///
    /// - Parameter values: the numbers.
    /// - Returns: them, each as `format(_:)` spells it, joined by commas.
    public static func text(_ values: [Double]) -> String {
        values.map(format).joined(separator: ",")
    }

    /// A number as metadata spells it: the shortest text that reads back to the same value.
    ///
    /// - Parameter value: the number.
    /// - Returns: its text: whole numbers without a decimal point.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    private static func numbers(_ text: String) -> [Double]? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: " "))
        }
        return values.allSatisfy { $0 != nil } ? values.compactMap { $0 } : nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var result = self
        while result.first == set { result = result.dropFirst() }
        while result.last == set { result = result.dropLast() }
        return result
    }
}
