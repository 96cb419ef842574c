import Glibc
import WeightKit

/// A one-line progress bar on stderr, redrawn at most once per percent, for conversions long enough to
/// be worth watching.
final class ProgressBar {
    /// Conversions smaller than this finish before a bar would be read.
    static let minimumBytes = 32 << 20
    private var lastPercent = -1
    private var drawn = false

    func update(_ done: Int, of total: Int) {
        guard total >= Self.minimumBytes else { return }
        let percent = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        StandardError.write("\r[\(bar)] \(percent)% of \(ByteCountText.format(total))")
        drawn = true
    }

    func finish() {
        if drawn { StandardError.write("\n") }
    }
}

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

/// Restarts the process once with `OPENBLAS_CORETYPE` set when OpenBLAS loaded generic kernels on a CPU
/// that has AVX2 or AVX-512 (see `BLASKernel`). Only commands that run the forward pass call this.
enum KernelSelection {
    static func restartWithFastKernelsIfNeeded() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = BLASKernel.recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        var arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
        // execv returns only on failure; the run goes on with the generic kernels.
    }
}
