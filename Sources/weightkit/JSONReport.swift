import Foundation
import WeightKit

/// A report `--json` prints as one line: keys sorted, slashes as they are, non-finite numbers as the strings
/// `inf`, `-inf` and `nan` (JSON has no spelling for them).
protocol JSONReport: Encodable {}

extension JSONReport {
    /// - Throws: `WeightKitError` when the report cannot be encoded.
    func json() throws(WeightKitError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw WeightKitError(.invalidArgument, "cannot encode the report: \(error)")
        }
    }
}
