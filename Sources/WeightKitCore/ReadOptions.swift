/// How much of a file a reader shows, and the budget it reads within.
public struct ReadOptions: Sendable {
    /// Every tensor in the file under its full path, not only the model weights.
    public var includeAll: Bool
    /// The budget of one read; nil gives each file `ReadBudget.Limits.forFile(size:)`.
    public var limits: ReadBudget.Limits?
    /// The bytes ceiling of the default budget, when the caller trusts a file to produce more (or
    /// wants it held to less); ignored when `limits` is given.
    public var maximumBytes: Int?
    /// The weight file to read from an archive that holds several (a model-zoo release zip), by its entry
    /// name or the end of it.
    public var member: String?

    /// Creates read options; the defaults show the model weights within the default budget.
    ///
    /// - Parameters:
    ///   - includeAll: whether to show every tensor in the file, not only the model weights.
    ///   - limits: the budget of one read; nil for the default of the file's size.
    ///   - maximumBytes: the bytes ceiling of the default budget.
    ///   - member: the weight file to read from an archive that holds several.
    public init(includeAll: Bool = false, limits: ReadBudget.Limits? = nil, maximumBytes: Int? = nil,
                member: String? = nil) {
        self.includeAll = includeAll
        self.limits = limits
        self.maximumBytes = maximumBytes
        self.member = member
    }

    package func budget(for file: MappedFile) -> ReadBudget {
        ReadBudget(limits ?? .forFile(size: file.count, bytes: maximumBytes))
    }
}
