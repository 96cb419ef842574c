import Foundation

/// What one file read may consume, shared by every reader and pickle machine that works on the file.
///
/// Limits on single values (one tensor, one opcode) do not bound a hostile file: sixty-four small sparse
/// arrays, or one array referenced six hundred times, add up. Every reader therefore draws from one budget
/// per file read, in three currencies:
/// - **bytes**: bytes the read produces — tensor data (views of the file included, since they are written
///   out), and every copy made on the way (inflated entries, gathered views, densified sparse arrays,
///   byte-swapped or decoded arrays, names, decoded protobuf messages);
/// - **values**: objects built — pickle values, protobuf messages, header entries, tensors;
/// - **work**: steps whose cost a file can multiply — bytes hashed or validated again, digits of huge
///   integers, path components copied while naming tensors.
///
/// The first charge that would overdraw a currency throws `limitExceeded` naming the budget, so a hostile
/// file stops before it allocates rather than after.
public final class ReadBudget {
    /// The ceilings of one read.
    public struct Limits: Sendable, Equatable {
        /// The most bytes the read may produce.
        public var bytes: Int
        /// The most objects the read may build.
        public var values: Int
        /// The most steps of multipliable work the read may do.
        public var work: Int

        /// Creates limits in each currency.
        ///
        /// - Parameters:
        ///   - bytes: the most bytes the read may produce.
        ///   - values: the most objects it may build.
        ///   - work: the most steps of multipliable work it may do.
        public init(bytes: Int, values: Int, work: Int) {
            self.bytes = bytes
            self.values = values
            self.work = work
        }

        /// The least any file gets: room for every real checkpoint of modest size.
        public static let floor = Limits(bytes: 512 << 20, values: 4_000_000, work: 256 << 20)

        /// The default for a file of `size` bytes: the floor, or four times the file's size in bytes and
        /// thirty-two times it in work when that is more. Real checkpoints produce about their own size
        /// (tied weights, compressed archives and big-endian files somewhat more).
        ///
        /// - Parameter size: the file's size in bytes.
        /// - Returns: the limits for reading it.
        public static func forFile(size: Int) -> Limits {
            let size = max(size, 0)
            let (bytes, overflow) = size.multipliedReportingOverflow(by: 4)
            let (work, overflow2) = size.multipliedReportingOverflow(by: 32)
            return Limits(bytes: max(floor.bytes, overflow ? Int.max : bytes), values: floor.values,
                          work: max(floor.work, overflow2 ? Int.max : work))
        }

        /// `forFile(size:)` with the bytes ceiling raised or lowered to `bytes` when given.
        ///
        /// - Parameters:
        ///   - size: the file's size in bytes.
        ///   - bytes: the bytes ceiling to use instead of the default, or nil.
        /// - Returns: the limits for reading it.
        public static func forFile(size: Int, bytes: Int?) -> Limits {
            var limits = forFile(size: size)
            if let bytes { limits.bytes = bytes }
            return limits
        }
    }

    /// The currencies, for messages and callers that branch on which ran out.
    public enum Resource: String, Sendable {
        /// Bytes produced, values built, steps of work.
        case bytes, values, work
    }

    /// The ceilings this budget enforces.
    public let limits: Limits
    /// Bytes charged so far.
    public private(set) var bytesUsed = 0
    /// Values charged so far.
    public private(set) var valuesUsed = 0
    /// Work charged so far.
    public private(set) var workUsed = 0

    /// Creates a budget with nothing charged yet.
    ///
    /// - Parameter limits: the ceilings of the read.
    public init(_ limits: Limits) {
        self.limits = limits
    }

    /// Charges `count` bytes produced for `what`.
    ///
    /// - Parameters:
    ///   - count: the bytes produced.
    ///   - what: what they are for, for the message; evaluated only when the budget runs out.
    /// - Throws: `WeightKitError` (`limitExceeded`, `budget` `.bytes`) when the charge would pass the limit.
    public func charge(bytes count: Int, for what: @autoclosure () -> String) throws(WeightKitError) {
        bytesUsed = try Self.add(count, to: bytesUsed, limit: limits.bytes, .bytes, what)
    }

    /// Charges `count` bytes produced for `what` and returns `count`, to size what is then built.
    ///
    /// - Parameters:
    ///   - count: the bytes produced.
    ///   - what: what they are for, for the message; evaluated only when the budget runs out.
    /// - Returns: `count`.
    /// - Throws: `WeightKitError` (`limitExceeded`, `budget` `.bytes`) when the charge would pass the limit.
    public func charged(bytes count: Int, for what: @autoclosure () -> String) throws(WeightKitError) -> Int {
        try charge(bytes: count, for: what())
        return count
    }

    /// Charges `count` values built for `what`.
    ///
    /// - Parameters:
    ///   - count: the values built.
    ///   - what: what they are for, for the message; evaluated only when the budget runs out.
    /// - Throws: `WeightKitError` (`limitExceeded`, `budget` `.values`) when the charge would pass the limit.
    public func charge(values count: Int, for what: @autoclosure () -> String) throws(WeightKitError) {
        valuesUsed = try Self.add(count, to: valuesUsed, limit: limits.values, .values, what)
    }

    /// Charges `count` steps of work for `what`.
    ///
    /// - Parameters:
    ///   - count: the steps of work.
    ///   - what: what they are for, for the message; evaluated only when the budget runs out.
    /// - Throws: `WeightKitError` (`limitExceeded`, `budget` `.work`) when the charge would pass the limit.
    public func charge(work count: Int, for what: @autoclosure () -> String) throws(WeightKitError) {
        workUsed = try Self.add(count, to: workUsed, limit: limits.work, .work, what)
    }

    private static func add(
        _ count: Int, to used: Int, limit: Int, _ resource: Resource, _ what: () -> String
    ) throws(WeightKitError) -> Int {
        let (total, overflow) = used.addingReportingOverflow(max(count, 0))
        guard !overflow, total <= limit else {
            throw WeightKitError(
                .limitExceeded,
                "\(what()) would take this file's \(resource.rawValue) budget past \(Self.describe(limit, resource))"
                    + " (\(Self.describe(used, resource)) used so far)",
                budget: resource)
        }
        return total
    }

    static func describe(_ amount: Int, _ resource: Resource) -> String {
        switch resource {
        case .bytes: return ByteCountText.describe(amount)
        case .values: return "\(amount) values"
        case .work: return "\(amount) steps"
        }
    }
}
