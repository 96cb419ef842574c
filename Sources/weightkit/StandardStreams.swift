import Glibc
import SystemPackage
import WeightKit

/// Messages on standard error: best effort, since there is nowhere left to report a failure to write them.
enum StandardError {
    static func write(_ text: String) {
        _ = try? Array(text.utf8).withUnsafeBytes { try FileDescriptor.standardError.writeAll($0) }
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

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
