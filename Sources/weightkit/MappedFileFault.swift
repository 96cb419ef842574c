import Glibc
import WeightKit

/// A file truncated or rewritten by another program while WeightKit reads it through its mapping makes the
/// kernel send SIGBUS at the first page that no longer exists. The handler turns that into the one error
/// line every failure gets, removes any named temporary output and exits with status 1. Everything it uses
/// is prepared beforehand: in the handler only write(2), unlink(2) (through the temporary registry) and
/// _exit(2) run.
enum MappedFileFault {
    /// The prepared error line; rewritten (outside any handler) when the command names its input.
    nonisolated(unsafe) private static var line = prepared(for: nil)

    static func install() {
        signal(SIGBUS) { _ in
            TemporaryFileRegistry.shared.removeAll()
            MappedFileFault.line.withUnsafeBufferPointer { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
            _exit(1)
        }
    }

    /// Names `path` in the error line, as the file being read.
    static func reading(_ path: String) {
        line = prepared(for: path)
    }

    private static func prepared(for path: String?) -> [UInt8] {
        let file = path.map { "\($0): " } ?? ""
        return Array(("error: \(file)an input file changed while it was read (truncated or rewritten by another program); "
            + "nothing was written").escapingControlCharacters.utf8) + [10]
    }
}
