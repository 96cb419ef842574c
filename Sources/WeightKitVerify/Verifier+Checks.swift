import WeightKitCore

extension Verifier {
    /// Runs `a` and `b` on one input (`b` sees it in its own channel order), both in the reference precision,
    /// and compares every output both have. An output only `b` computes fails (another network); one only `a`
    /// computes is listed without a verdict (a head `b`'s layout could not hold). The noise floor is `a` run again with its weights moved by half
    /// an ulp of the coarser storage of the two: what rounding weights to their storage (folding, casting)
    /// changes, and nothing else.
    ///
    /// - Throws: `WeightKitError` naming the file whose pass failed.
    ///
    /// - Parameters:
    ///   - a: the reference file.
    ///   - b: the candidate file.
    ///   - input: the image both see, in `a`'s channel order.
    ///   - boxes: proposals for the ROI heads, in input pixels; none runs only the dense parts.
    /// - Returns: one comparison per output either file produces.
    public func compare(_ a: Model, _ b: Model, input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [Comparison] {
        let reference = try a.run(input, boxes: boxes)
        let flipped = a.channelOrder != nil && b.channelOrder != nil && a.channelOrder != b.channelOrder
        let candidate = try b.run(flipped ? try b.memory.tracked(
            channels: input.channels, height: input.height, width: input.width, for: "the input in the other channel order"
        ) { input.reversingChannels() } : input, boxes: boxes)
        let storage = [a.storagePrecision, b.storagePrecision].max { $0.halfUlp < $1.halfUlp } ?? .float32
        let probe = try a.run(input, boxes: boxes, perturbation: .rounding(to: storage))
        var comparisons: [Comparison] = []
        for (name, value) in reference {
            guard let other = candidate.first(where: { $0.name == name })?.value else {
                comparisons.append(.missingFromCandidate(name))
                continue
            }
            guard let moved = probe.first(where: { $0.name == name })?.value else { continue }
            comparisons.append(try compare(name, reference: value, candidate: other, noise: moved))
        }
        for (name, _) in candidate where !reference.contains(where: { $0.name == name }) {
            comparisons.append(.onlyInCandidate(name))
        }
        return comparisons
    }

    /// Compares a framework's saved `expected` output `output` with `model`'s reference pass on `input`, held
    /// to the spread between the reference and WeightKit's float32 pass, in the order the file's source
    /// framework saves per-box outputs.
    ///
    /// - Throws: `WeightKitError` when the network has no such output, or a pass fails.
    ///
    /// - Parameters:
    ///   - model: the file to run.
    ///   - output: the output's name (`res5`, `p3`, `box.cls_score`).
    ///   - expected: the array the framework saved for it.
    ///   - input: the input the framework saw.
    ///   - boxes: the proposals the framework pooled, for per-box outputs.
    /// - Returns: the comparison.
    public func check(
        _ model: Model, output: String, expected: FeatureMap, input: FeatureMap, boxes: [RegionOfInterest] = []
    ) throws(WeightKitError) -> Comparison {
        guard let comparison = try check(model, expected: [(output, expected)], input: input, boxes: boxes).first else {
            throw WeightKitError(.invalidArgument, "no output '\(output)' to compare", file: model.path)
        }
        return comparison
    }

    /// Compares several saved outputs at once (one reference pass and one float32 pass for all of them).
    ///
    /// - Parameters:
    ///   - model: the file to run.
    ///   - expected: each output's name and the array the framework saved for it.
    ///   - input: the input the framework saw.
    ///   - boxes: the proposals the framework pooled, for per-box outputs.
    /// - Throws: `WeightKitError` when the network has no output of one of the names, or a pass fails.
    ///
    /// - Returns: one comparison per expected output, in the order given.
    public func check(
        _ model: Model, expected: [(name: String, value: FeatureMap)], input: FeatureMap, boxes: [RegionOfInterest] = []
    ) throws(WeightKitError) -> [Comparison] {
        let reference = try model.run(input, boxes: boxes)
        let float32 = try model.run(input, boxes: boxes, precision: .float32)
        let layout = expectsSourceOrder ? model.collection[.layout] : nil
        var comparisons: [Comparison] = []
        for (output, saved) in expected {
            let (produced, candidate) = Self.inSourceOrder(output, produced: try Self.output(output, of: reference, model),
                                                           expected: saved, layout: layout)
            let (noise, _) = Self.inSourceOrder(output, produced: try Self.output(output, of: float32, model), expected: saved,
                                                layout: layout)
            comparisons.append(try compare(output, reference: produced, candidate: candidate, noise: noise))
        }
        return comparisons
    }

    private static func output(_ name: String, of outputs: [(name: String, value: FeatureMap)], _ model: Model)
        throws(WeightKitError) -> FeatureMap
    {
        guard let produced = outputs.first(where: { $0.name == name })?.value else {
            throw WeightKitError(.invalidArgument, "no output '\(name)'; this network has \(outputs.map(\.name).joined(separator: ", "))",
                                 file: model.path)
        }
        return produced
    }
}
