extension Conversion {
    /// What a conversion did besides writing: the layout chosen, what it could not map or express, and what
    /// it changed or asks the user to set so the target computes the same function.
    public struct Report: Sendable {
        /// The layout that recognised the source's names; nil when none did (the names were kept).
        public var layout: String?
        /// The network the canonical names describe (`weightkit.architecture`), when it was recognised.
        public var architecture: String?
        /// Source names no layout rule maps, kept under those names in the output.
        public var unmapped: [String] = []
        /// When no layout recognised the names: the one whose rules map the most of them, and how many.
        public var closestLayout: (name: String, mapped: Int)?
        /// Norms that could not be folded, with the reason.
        public var unfolded: [String] = []
        /// The target layout written, with `layout`.
        public var targetLayout: String?
        /// Canonical tensors the target layout has no name for, left out.
        public var inexpressible: [String] = []
        /// What was changed so that the target computes the same function, and what the user must set in
        /// the target framework's config.
        public var conversions: [String] = []
        /// How many tensors were written.
        public var tensorCount = 0
    }
}
