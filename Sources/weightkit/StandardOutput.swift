import Glibc
import SystemPackage
import WeightKit

/// Results on standard output. A failed write (a full disk, a closed pipe) is an error like any other, so a
/// script never takes a cut-off table or JSON object for a whole one.
enum StandardOutput {
    static func write(line text: String) throws(WeightKitError) {
        do {
            _ = try Array((text + "\n").utf8).withUnsafeBytes { try FileDescriptor.standardOutput.writeAll($0) }
        } catch {
            throw WeightKitError(.io, "cannot write to standard output: \(error)")
        }
    }
}
