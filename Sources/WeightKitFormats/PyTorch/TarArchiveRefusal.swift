import WeightKitCore

/// torch <= 0.1 checkpoints (a tar of pickles): recognised so the message can say what the file is, and refused,
/// since no real one could be produced to test against.
package enum TarArchiveRefusal: WeightFileReader {
    package static let name = "tar"
    package static let formats: [WeightFormat] = []
    static let magic = Array("ustar".utf8)

    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.holds(magic, at: 257)
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        throw WeightKitError(.unsupported, "tar archives (torch <= 0.1 checkpoints) are recognised but not read")
    }
}
