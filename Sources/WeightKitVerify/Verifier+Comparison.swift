extension Verifier {
    /// One output compared against its reference and noise floor.
    public struct Comparison: Sendable {
        /// The output's name.
        public var output: String
        /// max |candidate - reference| over the finite values.
        public var maxAbsoluteError: Double
        /// maxAbsoluteError / max |reference|.
        public var relativeError: Double
        /// 10 log10(sum ref^2 / sum err^2); infinite when the outputs are identical.
        public var snrDecibels: Double
        /// The RMS error allowed, relative to the reference's RMS: `noiseFactor` times the spread of two correct
        /// computations, plus storage rounding.
        public var noiseFloor: Double
        /// How many times the error fits in what is allowed (the tighter of RMS and largest value): above 1
        /// passes.
        public var margin: Double
        /// Whether the output passed, failed or had nothing to compare.
        public var verdict: Verdict
        /// Why the output failed or proves nothing when the error numbers alone do not say (no signal,
        /// non-finite values, one value far off); nil when it passed or its error is simply too large.
        public var failureReason: String?

        /// Whether the verdict is `pass`.
        public var passed: Bool { verdict == .pass }

        /// An output the candidate does not compute: its file lacks that part (a head its layout cannot
        /// hold), which proves nothing either way.
        static func missingFromCandidate(_ output: String) -> Comparison {
            Comparison(output: output, maxAbsoluteError: .nan, relativeError: .nan, snrDecibels: .nan, noiseFloor: .nan,
                       margin: 0, verdict: .noSignal,
                       failureReason: "the candidate does not compute this output (its file lacks this part); not compared")
        }

        /// An output only the candidate computes: the files hold different networks, whatever the others show.
        static func onlyInCandidate(_ output: String) -> Comparison {
            Comparison(output: output, maxAbsoluteError: .nan, relativeError: .nan, snrDecibels: .nan, noiseFloor: .nan,
                       margin: 0, verdict: .fail,
                       failureReason: "only the candidate computes this output: the files hold different networks")
        }
    }

    /// What one comparison shows.
    public enum Verdict: String, Sendable {
        /// Within the noise floor.
        case pass
        /// Beyond it: another function.
        case fail
        /// Nothing to compare (NaN everywhere, one value everywhere): neither equal nor different, and never
        /// counted as a pass.
        case noSignal = "no signal"
    }

    /// The verdict of several comparisons: every output with a signal passed, and at least one had one.
    ///
    /// - Parameter comparisons: the comparisons of one check.
    /// - Returns: true when none failed and at least one passed.
    public static func passes(_ comparisons: [Comparison]) -> Bool {
        comparisons.contains { $0.verdict == .pass } && !comparisons.contains { $0.verdict == .fail }
    }
}
