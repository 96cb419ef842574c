import ArgumentParser
import WeightKit

/// `--check-hash`: the SHA-256 a file's name promises (`resnet50-0676ba61.pth`) is always compared; with the
/// flag a mismatch is an error instead of a warning.
struct HashCheckOption: ParsableArguments {
    @Flag(name: .customLong("check-hash"),
          help: "Fail when the file's SHA-256 does not start with the hex digits its name carries (torch.hub, timm and mmdetection name files so).")
    var required = false

    /// Compares `path`'s digest with its name, prints the outcome on stderr and throws on a required mismatch.
    func check(_ path: String) throws(WeightKitError) {
        guard let digest = try NamedDigest.check(path) else { return }
        if digest.matches {
            StandardError.write(("note: " + digest.message(for: path)).escapingControlCharacters + "\n")
        } else if required {
            throw WeightKitError(.malformed, digest.message(for: path))
        } else {
            StandardError.write(("warning: " + digest.message(for: path)).escapingControlCharacters + "\n")
        }
    }
}
