import ArgumentParser
import WeightKit

extension Conversion.Naming: ExpressibleByArgument {}

extension DType: ExpressibleByArgument {
    public static var allValueStrings: [String] { DTypeCast.targets.map(\.rawValue) }
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a weight file as a canonical safetensors container (vov.bin).")

    @Argument(help: "The source weight file; its content decides the format.")
    var source: String

    @Option(name: .customLong("to"), help: "The output file, any name (vov.bin, x.safetensors).")
    var output: String

    @Option(help: "How to name tensors in the output.")
    var names: Conversion.Naming = .source

    @Option(help: "Cast floating tensors to this dtype (float32, float16, bfloat16).")
    var dtype: DType?

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @Flag(help: "Convert every tensor in the file, not only the model weights.")
    var all = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        var conversion = Conversion()
        conversion.naming = names
        conversion.dtype = dtype
        conversion.overwrite = force
        conversion.includeAll = all
        let bar = !quiet && StandardError.isTerminal ? ProgressBar() : nil
        SignalCleanup.install()
        try reportingErrors { () throws(WeightKitError) in
            defer { bar?.finish() }
            try conversion.run(from: source, to: output, progress: bar.map { bar in { bar.update($0, of: $1) } })
        }
    }
}
