import ArgumentParser
import WeightKit

/// `--member`: which weight file of a release archive to read.
struct ArchiveMemberOption: ParsableArguments {
    @Option(name: .customLong("member"),
            help: ArgumentHelp("The weight file to read from an archive holding several (an entry name or its end).",
                               valueName: "name"))
    var name: String?
}
