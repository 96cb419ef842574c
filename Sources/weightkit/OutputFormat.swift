import ArgumentParser
import WeightKit

/// The containers `--format` names.
struct OutputFormat: ExpressibleByArgument {
    let format: WeightFormat

    init?(argument: String) {
        guard let format = WeightFormat(rawValue: argument), WeightFile.writableFormats.contains(format) else { return nil }
        self.format = format
    }

    static var allValueStrings: [String] { WeightFile.writableFormats.map(\.rawValue) }
}
