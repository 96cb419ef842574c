import Dispatch
import Foundation

/// Splits the forward pass's work over the cores: the convolutions' bands and products (BLAS runs on one
/// thread per call) and the loops over maps (norms, pooling, sums).
enum ParallelWork {
    /// Cores to split over.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Values per part below which elementwise work stays on one thread.
    private static let elementwiseMinimum = 1 << 15

    /// Calls `body` with contiguous parts of `0..<count`, at most one per core and none smaller than
    /// `minimum`; work too small to be worth a thread runs here.
    static func split(_ count: Int, minimum: Int = 1, _ body: (Range<Int>) -> Void) {
        split(count, parts: min(cores, count / max(minimum, 1))) { _, range in body(range) }
    }

    /// Calls `body` with contiguous parts of `0..<count` whose items each touch `valuesEach` values, so that
    /// no part touches fewer than `elementwiseMinimum` values: elementwise loops over maps and channels.
    static func split(_ count: Int, valuesEach: Int, _ body: (Range<Int>) -> Void) {
        split(count, minimum: max(1, elementwiseMinimum / max(valuesEach, 1)), body)
    }

    /// Calls `body` with each part's index and its contiguous range of `0..<count`, `parts` at most.
    static func split(_ count: Int, parts requested: Int, _ body: (Int, Range<Int>) -> Void) {
        let parts = min(requested, count)
        guard parts > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The parts touch disjoint ranges, and concurrentPerform returns only when all are done.
            let work = DisjointParts(body: body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                work.body(part, count * part / parts..<count * (part + 1) / parts)
            }
        }
    }

    private struct DisjointParts: @unchecked Sendable {
        let body: (Int, Range<Int>) -> Void
    }
}
