import Glibc
import WeightKit

/// Removes a conversion's temporary file when the user interrupts it.
enum SignalCleanup {
    static func install() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                TemporaryFileRegistry.shared.removeAll()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
