import ArgumentParser
import WeightKit

/// A byte count given on the command line: `512M`, `4G`, `1.5GiB`, `100000`.
struct ByteCount: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        guard let bytes = ByteCountText.parse(argument) else { return nil }
        self.bytes = bytes
    }

    static var defaultValueDescription: String { "bytes, or with K, M, G, T" }
}

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

/// `--member`: which weight file of a release archive to read.
struct ArchiveMemberOption: ParsableArguments {
    @Option(name: .customLong("member"),
            help: ArgumentHelp("The weight file to read from an archive holding several (an entry name or its end).",
                               valueName: "name"))
    var name: String?
}
