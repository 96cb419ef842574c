import ArgumentParser
import WeightKit

/// `--norm-eps`: the eps every norm adds to its variance, where the framework that runs a file uses another
/// than the file records (SimpleDet builds the MXNet gallery's ResNet v2 params, which record 2e-5, with 1e-5).
struct NormEpsOption: ParsableArguments {
    @Option(name: .customLong("norm-eps"), help: """
        The eps every norm adds to its variance, where the framework that runs the files uses another than they \
        record (SimpleDet builds the MXNet gallery's ResNet v2 params with 1e-5); verify applies it to each file it reads.
        """)
    var value: Double?

    /// Refuses what `WeightSemantics.validate()` refuses, as a usage error.
    func validate() throws {
        guard let value else { return }
        var semantics = WeightSemantics()
        semantics.normEps = value
        do {
            try semantics.validate()
        } catch {
            throw ValidationError("--norm-eps: \(error.reason)")
        }
    }
}
