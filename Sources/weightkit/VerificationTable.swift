import Foundation
import WeightKit

/// The table `verify` prints: per output, the error, the noise floor it was held to, the margin and the verdict.
struct VerificationTable {
    let comparisons: [Verifier.Comparison]

    init(_ comparisons: [Verifier.Comparison]) {
        self.comparisons = comparisons
    }

    var text: String {
        let rows = comparisons.map { c in
            [c.output, String(format: "%.3e", c.maxAbsoluteError), String(format: "%.3e", c.relativeError),
             c.snrDecibels.isInfinite ? "inf" : String(format: "%.1f", c.snrDecibels), String(format: "%.2e", c.noiseFloor),
             c.margin.isInfinite ? "inf" : String(format: "%.2f", c.margin),
             c.verdict == .pass ? "ok" : c.verdict == .fail ? "FAIL" : "no signal"]
        }
        return TextTable.render(header: ["output", "max abs err", "max err / max|ref|", "SNR dB", "noise floor", "margin", "result"],
                                rows: rows, rightAligned: [1, 2, 3, 4, 5]).joined(separator: "\n")
    }
}
