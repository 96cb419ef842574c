import WeightKitCore

/// A pickle virtual machine that builds data and never code: globals are names checked against an
/// allow-list, calls build records, memo entries are shared references, and every length is checked
/// against the bytes that remain.
public struct PickleMachine: Sendable {
    /// Bounds on the shape of one pickle; what it may consume in total comes from the file's `ReadBudget`.
    public struct Limits: Sendable {
        /// Open MARKs at once.
        public var maximumMarks = 100_000
        /// Container nesting that the walkers over the result accept.
        public var maximumNesting = 1_000
        /// Calls an allowed call may make on behalf of its arguments (`_rebuild_from_type_v2` unwrapping
        /// another rebuild): a pickle can make its arguments contain themselves.
        public var maximumCallDepth = 16

        /// Creates the default limits.
        public init() {}
    }

    /// The allow-list of globals the pickle may name.
    public var globals: PickleGlobals
    /// Whether BINPERSID may appear: torch files use it for storages; a plain pickle has none.
    public var allowsPersistentIDs: Bool
    /// Whether a class off the allow-list may be instantiated (NEWOBJ, `copyreg._reconstructor`) as an inert
    /// record of its name and state, as `torch.save(model)` pickles modules. Such a global can never be
    /// called (REDUCE): that is refused as before, so nothing a file names ever runs.
    public var recordsUnknownClasses = true
    /// Bounds on the shape of one pickle.
    public var limits = Limits()

    /// Creates a machine with the default limits, recording unknown classes as inert objects.
    ///
    /// - Parameters:
    ///   - globals: the allow-list of globals.
    ///   - allowsPersistentIDs: whether BINPERSID may appear (torch storages).
    public init(globals: PickleGlobals, allowsPersistentIDs: Bool) {
        self.globals = globals
        self.allowsPersistentIDs = allowsPersistentIDs
    }

    /// Runs the pickle that starts at `start` in `data`.
    ///
    /// - Parameters:
    ///   - data: the bytes holding the pickle.
    ///   - start: where the pickle starts in `data`.
    ///   - baseOffset: where `data` starts in its file, so errors give file offsets.
    ///   - mustEndAtSTOP: refuse bytes after STOP (a whole pickle file or entry); false for a stream of
    ///     pickles, where the result's `end` says where the next one starts.
    ///   - budget: the budget of the file the pickle belongs to, shared with the file's other pickles and
    ///     readers; nil gives this pickle a budget of its own sized by `data`.
    /// - Returns: the value built, where the pickle ended, its declared protocol and its persistent IDs.
    /// - Throws: `WeightKitError` for a malformed or truncated pickle, a global off the allow-list (`unsafe`), or a
    ///   limit or budget exceeded.
    public func load(
        _ data: TensorData, from start: Int = 0, baseOffset: Int = 0, mustEndAtSTOP: Bool = true,
        budget: ReadBudget? = nil
    ) throws(WeightKitError) -> PickleResult {
        let run = PickleRun(
            machine: self, data: data, baseOffset: baseOffset, budget: budget ?? ReadBudget(.forFile(size: data.count)))
        do {
            return try data.withUnsafeBytes { bytes in
                try run.execute(bytes, from: start, mustEndAtSTOP: mustEndAtSTOP)
            }
        } catch {
            run.tearDown()
            throw .recovered(from: error)
        }
    }
}
