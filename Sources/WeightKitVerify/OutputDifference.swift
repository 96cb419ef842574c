import Foundation

/// The differences between two computations of one output, over the values both compute as finite numbers,
/// with the non-finite values each has, summed in float64.
struct OutputDifference {
    var count = 0
    var finite = 0
    var maxError = 0.0
    var sumSquaredError = 0.0
    var maxReference = 0.0
    var sumSquaredReference = 0.0
    var minimumReference = Double.infinity
    var maximumReference = -Double.infinity
    var mismatches = 0
    var firstMismatch: (index: Int, reference: Float, candidate: Float)?

    init(reference: [Float], candidate: [Float]) {
        count = reference.count
        for (index, (r, c)) in zip(reference, candidate).enumerated() {
            guard r.isFinite, c.isFinite else {
                if !((r.isNaN && c.isNaN) || r == c) {
                    mismatches += 1
                    if firstMismatch == nil { firstMismatch = (index, r, c) }
                }
                continue
            }
            let value = Double(r), error = abs(value - Double(c))
            finite += 1
            maxError = max(maxError, error)
            sumSquaredError += error * error
            maxReference = max(maxReference, abs(value))
            sumSquaredReference += value * value
            minimumReference = min(minimumReference, value)
            maximumReference = max(maximumReference, value)
        }
    }

    var rmsError: Double { finite > 0 ? (sumSquaredError / Double(finite)).squareRoot() : 0 }
    var rmsReference: Double { finite > 0 ? (sumSquaredReference / Double(finite)).squareRoot() : 0 }
    var relativeMaxError: Double { maxReference > 0 ? maxError / maxReference : maxError }
    var snrDecibels: Double { sumSquaredError == 0 ? .infinity : 10 * log10(sumSquaredReference / sumSquaredError) }

    /// Why the output proves nothing, if it does not: no values, none finite, or one value everywhere in
    /// both (a constant candidate that differs is a difference, not a lack of signal).
    func missingSignal(_ name: String, candidate: [Float]) -> String? {
        if count == 0 { return "\(name) is empty: nothing to compare" }
        if finite == 0 { return "\(name) is NaN or infinite everywhere in both: nothing to compare" }
        if minimumReference == maximumReference, finite > 1, maxError == 0 {
            return "\(name) is \(minimumReference) everywhere in both: a constant output proves nothing about the weights"
        }
        return nil
    }

    /// The non-finite values one has where the other has not.
    var nonFiniteMismatch: String? {
        guard let first = firstMismatch else { return nil }
        return "\(mismatches) values are NaN or infinite in one output but not the other "
            + "(first at index \(first.index): reference \(first.reference), candidate \(first.candidate))"
    }
}
