import WeightKitCore

/// Reads `.npy` arrays and `.npz` archives (NumPy's `savez`, and the `.params` files MXNet 2 writes).
package enum NumPyFileReader: WeightFileReader {
    package static let name = "npy"
    package static let formats: [WeightFormat] = [.numpyNpy]

    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.holds(NpyHeader.magic)
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        let header = try NpyHeader(file.bytes)
        var collection = TensorCollection(format: .numpyNpy)
        let data = TensorData(file: file, range: header.dataOffset..<file.count)
        try collection.append(header.tensor(named: "array", data: data, budget: budget))
        return collection
    }

    static func readNpz(_ archive: ZipArchive, budget: ReadBudget) throws(WeightKitError) -> TensorCollection {
        var collection = TensorCollection(format: .numpyNpz)
        for entry in archive.entries {
            let name = String(entry.name.dropLast(".npy".count))
            do throws(WeightKitError) {
                let bytes = try archive.data(of: entry, limit: entry.size)
                let header: NpyHeader
                do {
                    header = try bytes.withUnsafeBytes { try NpyHeader($0) }
                } catch {
                    throw .recovered(from: error)
                }
                try collection.append(
                    header.tensor(named: name, data: bytes.slice(header.dataOffset..<bytes.count), budget: budget))
            } catch {
                throw error.inEntry(entry.name)
            }
        }
        return collection
    }
}
