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
