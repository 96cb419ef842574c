import Foundation
import WeightKit

/// What `verify --json` prints: one object with the files, the verdict and every output's numbers.
struct VerificationReport: JSONReport {
    struct Row: Encodable {
        var output: String
        var maxAbsoluteError: Double
        var relativeError: Double
        /// Infinite SNR and margin (identical outputs) are written as the string "inf".
        var snrDecibels: Double
        var noiseFloor: Double
        var margin: Double
        var verdict: String
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case output, verdict, reason, margin
            case maxAbsoluteError = "max_abs_error"
            case relativeError = "max_error_over_max_reference"
            case snrDecibels = "snr_db"
            case noiseFloor = "noise_floor"
        }
    }

    var reference: String
    var candidate: String?
    var expected: String?
    var noiseFactor: Double
    var passed: Bool
    var outputs: [Row]

    init(reference: String, candidate: String?, expected: String?, noiseFactor: Double, comparisons: [Verifier.Comparison]) {
        self.reference = reference
        self.candidate = candidate
        self.expected = expected
        self.noiseFactor = noiseFactor
        passed = Verifier.passes(comparisons)
        outputs = comparisons.map { c in
            Row(output: c.output, maxAbsoluteError: c.maxAbsoluteError, relativeError: c.relativeError, snrDecibels: c.snrDecibels,
                noiseFloor: c.noiseFloor, margin: c.margin, verdict: c.verdict.rawValue, reason: c.failureReason)
        }
    }

    enum CodingKeys: String, CodingKey {
        case reference, candidate, expected, passed, outputs
        case noiseFactor = "noise_factor"
    }
}
