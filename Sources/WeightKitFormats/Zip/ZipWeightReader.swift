import WeightKitCore

/// Zip archives: torch.save checkpoints and TorchScript archives, told apart by their entries, and NumPy's
/// `.npz` (and MXNet 2's `.params`), whose entries are all `.npy`.
package enum ZipWeightReader: WeightFileReader {
    package static let name = "torch-zip"
    package static let formats: [WeightFormat] = [.pytorchZip, .torchScript, .numpyNpz]
    /// A local file header, or the end record of an empty archive.
    static let magics: [[UInt8]] = [[0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06]]

    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        magics.contains { bytes.holds($0) }
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        let archive = try ZipArchive(file: file, budget: budget)
        if !archive.entries.isEmpty, archive.entries.allSatisfy({ $0.name.hasSuffix(".npy") }) {
            return try NumPyFileReader.readNpz(archive, budget: budget)
        }
        if archive.entries.contains(where: { $0.name.hasSuffix("data.pkl") }) {
            return try TorchZipReader.read(archive, options: options, budget: budget)
        }
        return try ArchiveMember.read(archive, options: options, budget: budget)
    }
}
