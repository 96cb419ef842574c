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
