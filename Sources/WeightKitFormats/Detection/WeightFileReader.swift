import WeightKitCore

/// One entry of the reader registry: the formats it produces, how it recognises its files from their first
/// bytes (never from their names), and how it reads them within the file's budget.
package protocol WeightFileReader {
    /// The name messages and fuzz targets use: `torch-zip`, `mxnet`, ...
    static var name: String { get }
    /// The formats this reader produces; `read(as:)` finds readers by them.
    static var formats: [WeightFormat] { get }
    /// Whether `bytes`, the start of a file, are this reader's.
    static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool
    static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError) -> TensorCollection
}

/// The readers, in the order they are asked: the first that recognises a file reads it. Protobufs carry no
/// magic, so Caffe2's reader, which only checks that the bytes could start a message, comes last.
package enum WeightFileRegistry {
    package static let readers: [any WeightFileReader.Type] = [
        ZipWeightReader.self, TorchLegacyReader.self, NumPyFileReader.self, MXNetParamsReader.self,
        SafetensorsReader.self, PickleFileReader.self, TarArchiveRefusal.self, Caffe2ProtobufReader.self,
    ]

    /// The reader whose files start with `bytes`, or nil.
    package static func reader(for bytes: UnsafeRawBufferPointer) -> (any WeightFileReader.Type)? {
        readers.first { $0.recognizes(bytes) }
    }

    /// The reader that produces `format`.
    package static func reader(of format: WeightFormat) -> (any WeightFileReader.Type)? {
        readers.first { $0.formats.contains(format) }
    }

    /// The reader called `name`.
    package static func reader(named name: String) -> (any WeightFileReader.Type)? {
        readers.first { $0.name == name }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes hold `prefix` at `offset`.
    package func holds(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, count >= offset + prefix.count else { return false }
        return zip(prefix.indices, prefix).allSatisfy { self[offset + $0] == $1 }
    }
}

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
