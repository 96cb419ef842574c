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
        StandardError.write("\r[\(bar)] \(percent)% of \(ByteCountText.describe(total))")
        drawn = true
    }

    func finish() {
        if drawn { StandardError.write("\n") }
    }
}
