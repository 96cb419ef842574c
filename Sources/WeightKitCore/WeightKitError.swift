/// The one error type every WeightKit call throws.
///
/// It names the file, where in it the problem sits (byte offset, archive entry, tensor) and why,
/// so that a user can act on the message without a debugger.
public struct WeightKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely, for callers that branch on it.
    public enum Kind: String, Sendable, Equatable {
        /// The operating system refused a file operation.
        case io
        /// The input ended before a structure it announced.
        case truncated
        /// The input violates its format.
        case malformed
        /// A valid input uses a feature WeightKit does not read.
        case unsupported
        /// The input asks for something WeightKit never does, such as running code.
        case unsafe
        /// The input exceeds a resource limit set to keep hostile files harmless.
        case limitExceeded
        /// The caller asked for something contradictory or impossible.
        case invalidArgument
        /// The output exists and overwriting was not allowed.
        case outputExists
        /// Two sets of weights do not compute the same function.
        case verificationFailed
    }

    /// Where in the input the problem was found; every part is optional.
    public struct Location: Sendable, Equatable, CustomStringConvertible {
        /// The byte offset in the file (or archive entry) where the problem was found.
        public var byteOffset: Int?
        /// The archive entry (a zip member, a pickle record) the problem is in.
        public var entry: String?
        /// The tensor the problem concerns, by name.
        public var tensor: String?

        /// Creates a location from the parts that are known.
        ///
        /// - Parameters:
        ///   - byteOffset: the byte offset of the problem.
        ///   - entry: the archive entry it is in.
        ///   - tensor: the tensor it concerns.
        public init(byteOffset: Int? = nil, entry: String? = nil, tensor: String? = nil) {
            self.byteOffset = byteOffset
            self.entry = entry
            self.tensor = tensor
        }

        /// Whether no part of the location is known.
        public var isEmpty: Bool { byteOffset == nil && entry == nil && tensor == nil }

        /// The known parts, as `entry 'E', tensor 'T', offset N`.
        public var description: String {
            var parts: [String] = []
            if let entry { parts.append("entry '\(entry)'") }
            if let tensor { parts.append("tensor '\(tensor)'") }
            if let byteOffset { parts.append("offset \(byteOffset)") }
            return parts.joined(separator: ", ")
        }
    }

    /// What went wrong, coarsely.
    public var kind: Kind
    /// The file the problem is in, when known.
    public var file: String?
    /// Where in the file the problem is.
    public var location: Location
    /// What went wrong, in words a user can act on.
    public var reason: String
    /// The per-file budget that ran out, for `limitExceeded` errors a caller may lift by raising it.
    public var budget: ReadBudget.Resource?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: what went wrong, coarsely.
    ///   - reason: what went wrong, in words a user can act on.
    ///   - file: the file the problem is in.
    ///   - location: where in the file it is.
    ///   - budget: the per-file budget that ran out, for `limitExceeded` errors.
    public init(
        _ kind: Kind, _ reason: String, file: String? = nil, location: Location = Location(),
        budget: ReadBudget.Resource? = nil
    ) {
        self.kind = kind
        self.reason = reason
        self.file = file
        self.location = location
        self.budget = budget
    }

    /// One line: names and text a file supplied are quoted with their control characters escaped, so no
    /// file can forge a second line or drive the terminal.
    public var description: String {
        var text = ""
        if let file { text += "\(file): " }
        if !location.isEmpty { text += "\(location): " }
        return Self.clipped(text + reason).escapingControlCharacters
    }

    /// Messages longer than this are cut: a file may hand a reader a megabyte of name to quote.
    static let maximumMessageLength = 2048

    private static func clipped(_ text: String) -> String {
        guard text.utf8.count > maximumMessageLength else { return text }
        let kept = text.unicodeScalars.prefix(maximumMessageLength)
        return String(String.UnicodeScalarView(kept)) + "… (message cut)"
    }

    /// The same error with the file filled in when it was not known where it was thrown.
    ///
    /// - Parameter path: the file the error happened in.
    /// - Returns: the error, with `file` set when it was nil.
    public func inFile(_ path: String) -> WeightKitError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }

    /// The same error with the entry filled in when it was not known where it was thrown.
    ///
    /// - Parameter name: the archive entry the error happened in.
    /// - Returns: the error, with `location.entry` set when it was nil.
    public func inEntry(_ name: String) -> WeightKitError {
        var copy = self
        if copy.location.entry == nil { copy.location.entry = name }
        return copy
    }

    /// The same error with the tensor filled in when it was not known where it was thrown.
    ///
    /// - Parameter name: the tensor the error concerns.
    /// - Returns: the error, with `location.tensor` set when it was nil.
    public func inTensor(_ name: String) -> WeightKitError {
        var copy = self
        if copy.location.tensor == nil { copy.location.tensor = name }
        return copy
    }
}

extension WeightKitError {
    /// Data that ends before what it announces: nearly always a file cut short, so the message says so.
    package static func truncated(_ reason: String, at offset: Int) -> WeightKitError {
        WeightKitError(.truncated, reason + "; " + endsEarly, location: Location(byteOffset: offset))
    }

    /// What a newcomer should make of a file that ends early.
    package static let endsEarly = "the file ends early, probably an interrupted download or copy"

    package static func malformed(_ reason: String, at offset: Int? = nil) -> WeightKitError {
        WeightKitError(.malformed, reason, location: Location(byteOffset: offset))
    }
}

extension WeightKitError {
    /// Recovers the typed error from a `rethrows` API such as `withUnsafeBytes`, whose bodies throw
    /// only WeightKitError; anything else is reported as it is rather than trapping.
    package static func recovered(from error: any Error) -> WeightKitError {
        (error as? WeightKitError) ?? WeightKitError(.io, "\(error)")
    }
}
