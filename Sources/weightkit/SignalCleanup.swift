import Glibc
import WeightKit

/// Leaves nothing behind when a conversion is interrupted. Outputs are unnamed until complete, so the
/// kernel drops them with the process; where the filesystem needed a named temporary, the terminating
/// signals a user sends remove it first. A file-size limit (SIGXFSZ) and a closed pipe (SIGPIPE) are
/// ignored so the write fails with a clear error and the usual cleanup, rather than killing the process.
enum SignalCleanup {
    static func install() {
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(signalNumber) { received in
                TemporaryFileRegistry.shared.removeAll()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
