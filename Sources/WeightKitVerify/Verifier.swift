import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Runs weight files through the reference forward pass and compares their outputs against a noise floor
/// measured on the same network: how far a second correct computation of it lands from the reference.
///
/// Against a framework's saved output (`--expect`), the second computation is WeightKit's float32 pass
/// (float32 sums, as frameworks compute); two files are both run in the reference precision, and the
/// second computation is the first file with every weight moved by half an ulp of its storage precision
/// (what folding or casting the weights does). An output passes when its error stays within `noiseFactor`
/// times that spread, in its RMS and in its largest value.
public struct Verifier: Sendable {
    /// How many times the measured spread of two correct computations an error may be. Measured on 13
    /// networks at 32x32 to 224x224, a correct float32 framework output lands at most 4.8 times as far from
    /// the reference as WeightKit's float32 pass does, and a 1 % change of one weight tensor, of one norm's
    /// running variance or of the norm eps 16 times or more (README, Verification).
    public var noiseFactor = 8.0
    /// Whether saved per-box outputs are in the source framework's class order (a framework's own arrays),
    /// rather than WeightKit's canonical one (an exported model's outputs).
    public var expectsSourceOrder = true

    /// A floor for outputs whose spread is near zero: four float32 ulps of the values themselves, what the
    /// last operations of a framework and the storing of both maps round (a bias-dominated head's output).
    static let storageRounding = 0x1p-21

    /// Creates a verifier with the default `noiseFactor`.
    public init() {}

    /// Compares one output: `candidate` (a framework's output, or a second file's) against `reference`, with
    /// `noise` a second correct computation of the reference.
    ///
    /// - Returns: the errors, the floor they were held to, and the verdict; an output with no signal to
    ///   compare (empty, NaN or infinite everywhere, one value everywhere) fails with the reason.
    /// - Throws: `WeightKitError` when the shapes differ.
    ///
    /// - Parameters:
    ///   - name: the output's name, for the comparison and its messages.
    ///   - reference: the reference pass's output.
    ///   - candidate: the output under test, of the same shape.
    ///   - noise: a second correct computation of the reference, of the same shape.
    public func compare(
        _ name: String, reference: FeatureMap, candidate: FeatureMap, noise: FeatureMap
    ) throws(WeightKitError) -> Comparison {
        for (map, role) in [(candidate, "the candidate"), (noise, "the noise estimate")] where map.values.count != reference.values.count {
            throw WeightKitError(.verificationFailed, "\(name): shapes differ (\(reference.channels)x\(reference.height)x\(reference.width) "
                + "vs \(map.channels)x\(map.height)x\(map.width) in \(role))")
        }
        let error = OutputDifference(reference: reference.values, candidate: candidate.values)
        let spread = OutputDifference(reference: reference.values, candidate: noise.values)
        let floorRMS = noiseFactor * spread.rmsError + Self.storageRounding * error.rmsReference
        let floorMax = noiseFactor * spread.maxError + Self.storageRounding * error.maxReference
        var comparison = Comparison(
            output: name, maxAbsoluteError: error.maxError, relativeError: error.relativeMaxError, snrDecibels: error.snrDecibels,
            noiseFloor: error.rmsReference > 0 ? floorRMS / error.rmsReference : floorRMS,
            margin: min(Self.ratio(floorRMS, error.rmsError), Self.ratio(floorMax, error.maxError)), verdict: .fail)
        if let reason = error.nonFiniteMismatch {
            comparison.failureReason = reason
            return comparison
        }
        if let reason = error.missingSignal(name, candidate: candidate.values) {
            comparison.verdict = error.maxError == 0 ? .noSignal : .fail
            comparison.failureReason = reason
            return comparison
        }
        comparison.verdict = error.rmsError <= floorRMS && error.maxError <= floorMax ? .pass : .fail
        if comparison.verdict == .fail, error.rmsError <= floorRMS {
            comparison.failureReason = "one value is off by \(error.maxError), \(Self.format(error.maxError / max(spread.maxError, .leastNormalMagnitude)))x "
                + "the largest difference of two correct computations"
        }
        return comparison
    }

    private static func ratio(_ allowed: Double, _ actual: Double) -> Double {
        actual > 0 ? allowed / actual : .infinity
    }

    static func format(_ value: Double) -> String {
        String(format: "%.3g", value)
    }
}
