import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Runs weight files through the reference forward pass and compares their outputs.
public struct Verifier: Sendable {
    /// One output compared against its reference.
    public struct Comparison: Sendable {
        public var output: String
        public var maxAbsoluteError: Double
        /// maxAbsoluteError / max |reference|.
        public var relativeError: Double
        /// 10 log10(sum ref^2 / sum err^2); infinite when the outputs are identical.
        public var snrDecibels: Double
        public var passed: Bool
        /// Why the output failed when the error numbers alone do not say (non-finite values, an unusable
        /// tolerance); nil when it passed or its error is simply too large.
        public var failureReason: String?
    }

    /// Tolerances: an output passes when max |a - b| <= atol + rtol * max |reference|. The defaults follow
    /// the field's float32 habits (ONNX rtol 1e-3, Polygraphy 1e-5, coremltools atol 1e-4): a float32
    /// ResNet-50 or VoVNet-39 accumulates roughly 1e-5 to 1e-4 relative error by its last stage.
    public var relativeTolerance = 1e-4
    public var absoluteTolerance = 1e-5
    /// An output whose largest error exceeds the tolerance still passes when its whole-output signal-to-noise
    /// ratio is at least this (dB) and its largest error stays within `snrRelativeCeiling` of max|reference|:
    /// float32 rounding in a deep network leaves SNR above 100 dB, a 1 % change of one weight tensor
    /// below 60 dB.
    public var minimumSNR = 80.0
    public static let snrRelativeCeiling = 1e-3

    public init() {}

    /// Runs `a` and `b` on one input (`b` sees it in its own channel order) and compares every output both have.
    public func compare(_ a: Model, _ b: Model, input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [Comparison] {
        let reference = try a.run(input, boxes: boxes)
        let flipped = a.channelOrder != nil && b.channelOrder != nil && a.channelOrder != b.channelOrder
        let candidate = try b.run(flipped ? try b.network.weights.memory.tracked(
            channels: input.channels, height: input.height, width: input.width, for: "the input in the other channel order"
        ) { input.reversingChannels() } : input, boxes: boxes)
        var comparisons: [Comparison] = []
        for (name, value) in reference {
            guard let other = candidate.first(where: { $0.name == name })?.value else { continue }
            comparisons.append(try compare(name, reference: value, candidate: other))
        }
        return comparisons
    }

    /// Compares one output. It passes when both hold the same non-finite values (NaN, +inf, -inf) at the
    /// same places and the finite values agree: max|a - b| <= atol + rtol * max|reference| over them, or the
    /// whole output's SNR is at least `minimumSNR` with max|a - b| <= 1e-3 * max|reference| (float32 rounding
    /// on a deep network, not a different function).
    public func compare(_ name: String, reference: FeatureMap, candidate: FeatureMap) throws(WeightKitError) -> Comparison {
        guard reference.values.count == candidate.values.count else {
            throw WeightKitError(.verificationFailed,
                                 "\(name): shapes differ (\(reference.channels)x\(reference.height)x\(reference.width) vs \(candidate.channels)x\(candidate.height)x\(candidate.width))")
        }
        var maxError = 0.0, maxReference = 0.0, signal = 0.0, noise = 0.0
        var mismatches = 0, firstMismatch: (index: Int, reference: Float, candidate: Float)?
        for (index, (r, c)) in zip(reference.values, candidate.values).enumerated() {
            guard r.isFinite, c.isFinite else {
                let same = (r.isNaN && c.isNaN) || r == c
                if !same {
                    mismatches += 1
                    if firstMismatch == nil { firstMismatch = (index, r, c) }
                }
                continue
            }
            let error = abs(Double(r) - Double(c))
            maxError = max(maxError, error)
            maxReference = max(maxReference, abs(Double(r)))
            signal += Double(r) * Double(r)
            noise += error * error
        }
        let relative = maxReference > 0 ? maxError / maxReference : maxError
        let snr = noise == 0 ? Double.infinity : 10 * log10(signal / noise)
        let bound = absoluteTolerance + relativeTolerance * maxReference
        var reason: String?
        if let first = firstMismatch {
            reason = "\(mismatches) values are NaN or infinite in one output but not the other "
                + "(first at index \(first.index): reference \(first.reference), candidate \(first.candidate))"
        } else if !bound.isFinite {
            reason = "the tolerance atol + rtol * max|reference| is not a finite number"
        }
        let withinBound = maxError <= bound
        let rounding = snr >= minimumSNR && relative <= Self.snrRelativeCeiling
        return Comparison(output: name, maxAbsoluteError: maxError, relativeError: relative, snrDecibels: snr,
                          passed: reason == nil && (withinBound || rounding), failureReason: reason)
    }
}
