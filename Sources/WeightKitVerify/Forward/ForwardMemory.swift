import CAllocator
import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// The memory a reference forward pass may hold at once, planned before each allocation.
///
/// Weights, the input and every activation map are reserved before they are allocated: an operation whose
/// output (with what is already live) would pass the limit is refused with the memory it would need, instead
/// of allocating it. Reservations are returned when the map or weights that hold them go away, so the
/// accounting follows what is really live — the outputs a comparison keeps, the maps a block still needs.
public final class ForwardMemory: @unchecked Sendable {
    // `live` and `peak` change only under `lock`.
    /// The most bytes that may be live at once.
    public let limit: Int
    private let lock = NSLock()
    private var live = 0
    private var highest = 0

    /// The default limit of `weightkit verify`.
    public static let defaultLimit = 1 << 30

    /// Creates a plan with nothing reserved yet.
    ///
    /// - Parameter limit: the most bytes that may be live at once; 1 GiB by default.
    public init(limit: Int = ForwardMemory.defaultLimit) {
        self.limit = limit
    }

    /// Asks the C allocator to keep freed memory for reuse rather than return it to the kernel. The pass
    /// frees and allocates maps of the same few sizes at every layer; returned, each new map's pages are
    /// faulted back in and zeroed (12 % of ResNet-50's time at 224x224). Process-wide, so programs opt in:
    /// `weightkit verify` does, and so does the forward-pass benchmark.
    public static func reuseFreedMemory() {
        mallopt(M_MMAP_THRESHOLD, 256 << 20)
        mallopt(M_TRIM_THRESHOLD, 1 << 30)
    }

    /// The most bytes that were live at once so far.
    public var peak: Int {
        lock.withLock { highest }
    }

    /// One reservation, returned when the last value holding it goes away.
    final class Reservation: Sendable {
        let memory: ForwardMemory
        let bytes: Int

        fileprivate init(_ memory: ForwardMemory, _ bytes: Int) {
            self.memory = memory
            self.bytes = bytes
        }

        deinit { memory.release(bytes) }
    }

    /// Reserves `count` values of `size` bytes for `what`, or refuses with the memory the pass would need.
    func reserve(_ count: Int, of size: Int, for what: @autoclosure () -> String) throws(WeightKitError) -> Reservation {
        let (bytes, overflow) = max(count, 0).multipliedReportingOverflow(by: size)
        let granted: Bool = lock.withLock {
            let (total, overflow2) = live.addingReportingOverflow(bytes)
            guard !overflow, !overflow2, total <= limit else { return false }
            live = total
            highest = max(highest, total)
            return true
        }
        guard granted else {
            let needed = overflow ? "more than 8 EiB" : ByteCountText.describe(lock.withLock { live } &+ bytes)
            throw WeightKitError(
                .limitExceeded,
                "\(what()) would need \(needed) live at once, more than the forward pass's memory limit of "
                    + ByteCountText.describe(limit),
                budget: .bytes)
        }
        return Reservation(self, bytes)
    }

    private func release(_ bytes: Int) {
        lock.withLock { live -= bytes }
    }

    /// A zeroed map, reserved first.
    func map(channels: Int, height: Int, width: Int, for what: @autoclosure () -> String) throws(WeightKitError) -> FeatureMap {
        let count = try Self.elements(channels, height, width)
        let reservation = try reserve(count, of: MemoryLayout<Float>.size, for: what())
        var map = FeatureMap(channels: channels, height: height, width: width)
        map.reservation = reservation
        return map
    }

    /// Attaches a reservation for `map`'s values, made before `make` allocated them.
    func tracked(
        channels: Int, height: Int, width: Int, for what: @autoclosure () -> String, _ make: () throws(WeightKitError) -> FeatureMap
    ) throws(WeightKitError) -> FeatureMap {
        let count = try Self.elements(channels, height, width)
        let reservation = try reserve(count, of: MemoryLayout<Float>.size, for: what())
        var map = try make()
        map.reservation = reservation
        return map
    }

    /// channels × height × width, refused when any is negative or the product overflows.
    static func elements(_ channels: Int, _ height: Int, _ width: Int) throws(WeightKitError) -> Int {
        guard channels >= 0, height >= 0, width >= 0 else {
            throw WeightKitError(.invalidArgument, "a feature map of \(channels)x\(height)x\(width) is not a size")
        }
        let (plane, overflow) = height.multipliedReportingOverflow(by: width)
        let (count, overflow2) = plane.multipliedReportingOverflow(by: channels)
        guard !overflow, !overflow2 else {
            throw WeightKitError(.limitExceeded, "a feature map of \(channels)x\(height)x\(width) has more values than fit in 64 bits",
                                 budget: .bytes)
        }
        return count
    }
}
