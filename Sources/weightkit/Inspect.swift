import ArgumentParser
import Foundation
import WeightKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors of a weight file with a summary of the file.")

    @Argument(help: "The weight file; its content decides the format.")
    var file: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Add min, max, mean, std and NaN/Inf counts per tensor.")
    var stats = false

    @Flag(help: "List every tensor in the file under its full path, not only the model weights.")
    var all = false

    @OptionGroup var memory: MemoryLimit
    @OptionGroup var member: ArchiveMemberOption
    @OptionGroup var hash: HashCheckOption

    func run() throws {
        MappedFileFault.reading(file)
        try reportingErrors { () throws(WeightKitError) in
            try hash.check(file)
            let collection = try WeightFile.read(file, options: .init(includeAll: all, maximumBytes: memory.bytes, member: member.name))
            let report = try InspectionReport(file: file, collection: collection, withStatistics: stats)
            try StandardOutput.write(line: json ? try report.json() : report.table())
        }
    }
}
