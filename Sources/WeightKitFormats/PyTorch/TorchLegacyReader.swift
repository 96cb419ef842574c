import WeightKitCore

/// Reads torch's legacy stream (torch < 1.6, or `_use_new_zipfile_serialization=False`): five pickles
/// back to back (magic number, protocol version, system info, the object, the storage keys), then each
/// storage as an 8-byte element count and its raw bytes.
package enum TorchLegacyReader: WeightFileReader {
    package static let name = "torch-legacy"
    package static let formats: [WeightFormat] = [.pytorchLegacy]
    /// torch's magic number 0x1950a86a20f9469cfc6c, little-endian.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// PROTO 2, then LONG1 of ten bytes carrying the magic number.
    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.holds([0x80, 0x02, 0x8A, 0x0A] + magic)
    }

    static let protocolVersion = 1001

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget)
        throws(WeightKitError) -> TensorCollection
    {
        let whole = TensorData(file: file, range: 0..<file.count)
        let plain = PickleMachine(globals: .python, allowsPersistentIDs: false)
        let (littleEndian, objectStart) = try readPreamble(whole, plain, budget: budget)
        let machine = PickleMachine(globals: .torch, allowsPersistentIDs: true)
        let objectResult = try machine.load(whole, from: objectStart, mustEndAtSTOP: false, budget: budget)
        let keysResult = try plain.load(whole, from: objectResult.end, mustEndAtSTOP: false, budget: budget)
        guard let keyValues = keysResult.value.sequence else {
            throw .malformed("legacy storage key list is a \(keysResult.value.kindName)", at: objectResult.end)
        }
        let layout = try CheckpointContents(
            root: objectResult.value, includeAll: options.includeAll, maximumNesting: machine.limits.maximumNesting,
            budget: budget)
        let ranges = try storageRanges(file, keys: keyValues, after: keysResult.end, littleEndian: littleEndian,
                                       itemSizes: try storageItemSizes(objectResult.persistentIDs))
        let builder = PickledTensorBuilder(
            storageBytes: { (storage) throws(WeightKitError) in try bytes(of: storage, in: file, ranges: ranges) },
            bigEndian: !littleEndian,
            budget: budget)
        return try builder.collection(layout, format: .pytorchLegacy)
    }

    /// The magic number, protocol version and system info pickles; returns the byte order and where the
    /// object pickle starts.
    private static func readPreamble(_ whole: TensorData, _ plain: PickleMachine, budget: ReadBudget)
        throws(WeightKitError) -> (littleEndian: Bool, next: Int)
    {
        let magicResult = try plain.load(whole, mustEndAtSTOP: false, budget: budget)
        guard case .bigInt(let bytes) = magicResult.value, bytes == magic else {
            throw .malformed("legacy stream does not start with torch's magic number", at: 0)
        }
        let versionResult = try plain.load(whole, from: magicResult.end, mustEndAtSTOP: false, budget: budget)
        guard versionResult.value.intValue == protocolVersion else {
            throw .malformed("legacy protocol version is not \(protocolVersion)", at: magicResult.end)
        }
        let systemResult = try plain.load(whole, from: versionResult.end, mustEndAtSTOP: false, budget: budget)
        var littleEndian = true
        if case .dict(let info) = systemResult.value, case .bool(let flag)? = info["little_endian"] {
            littleEndian = flag
        }
        return (littleEndian, systemResult.end)
    }

    /// Where each storage's bytes are: after the key list, an element count then the bytes, key by key, to
    /// the end of the file.
    private static func storageRanges(
        _ file: MappedFile, keys: [PickleValue], after start: Int, littleEndian: Bool, itemSizes: [String: Int]
    ) throws(WeightKitError) -> [String: Range<Int>] {
        var ranges: [String: Range<Int>] = [:]
        var reader = ByteReader(file.bytes)
        try reader.skip(start, for: "legacy pickles")
        for keyValue in keys {
            guard let key = keyValue.text else {
                throw .malformed("legacy storage key is a \(keyValue.kindName)", at: reader.fileOffset)
            }
            let countOffset = reader.fileOffset
            let rawCount = try reader.readLittleEndian(Int64.self, "element count of storage '\(key)'")
            let count = littleEndian ? rawCount : rawCount.byteSwapped
            let (bytes, overflow) = Int(count).multipliedReportingOverflow(by: itemSizes[key] ?? 1)
            guard count >= 0, !overflow else {
                throw .malformed("storage '\(key)' claims \(count) elements", at: countOffset)
            }
            ranges[key] = try reader.take(bytes, for: "storage '\(key)'")
        }
        guard reader.isAtEnd else {
            throw .malformed("\(reader.remaining) bytes follow the last storage", at: reader.fileOffset)
        }
        return ranges
    }

    /// A storage's bytes, or the part of them its view (a legacy 6-tuple id) covers.
    private static func bytes(of storage: TorchStorageReference, in file: MappedFile, ranges: [String: Range<Int>])
        throws(WeightKitError) -> TensorData
    {
        guard let range = ranges[storage.key] else {
            throw WeightKitError(.malformed, "storage '\(storage.key)' is not in the stream")
        }
        let data = TensorData(file: file, range: range)
        guard let view = storage.view else {
            let expected = try storage.byteCount
            guard data.count == expected else {
                throw WeightKitError(.malformed, "storage '\(storage.key)' holds \(data.count) bytes, not the \(expected) its id announces")
            }
            return data
        }
        let (start, overflow1) = view.offset.multipliedReportingOverflow(by: storage.itemSize)
        let (length, overflow2) = view.count.multipliedReportingOverflow(by: storage.itemSize)
        let (end, overflow3) = start.addingReportingOverflow(length)
        guard !overflow1, !overflow2, !overflow3, end <= data.count else {
            throw WeightKitError(.malformed, "view of storage '\(storage.key)' lies outside it")
        }
        return data.slice(start..<end)
    }

    /// The element size of each storage key, from every persistent id in the stream.
    private static func storageItemSizes(_ ids: [PickleValue]) throws(WeightKitError) -> [String: Int] {
        var sizes: [String: Int] = [:]
        for id in ids {
            let storage = try TorchStorageReference(persistentID: id)
            if let known = sizes[storage.key], known != storage.itemSize {
                throw WeightKitError(.malformed, "storage '\(storage.key)' is referenced with two element sizes")
            }
            sizes[storage.key] = storage.itemSize
        }
        return sizes
    }
}
