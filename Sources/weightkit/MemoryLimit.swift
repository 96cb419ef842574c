import ArgumentParser
import WeightKit

/// `--max-memory`: what reading one file (and, for verify, the forward pass) may take.
struct MemoryLimit: ParsableArguments {
    @Option(
        name: .customLong("max-memory"),
        help: ArgumentHelp(
            "The most memory one file's read may produce (default: 512M, or 4x the file when larger); verify also plans its forward pass within it (default 1G).",
            valueName: "size"))
    var maximum: ByteCount?

    var bytes: Int? { maximum?.bytes }
}
