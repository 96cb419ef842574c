import Foundation
import Glibc
import WeightKitCore

/// Reads MXNet NDArray list files (`.params` from `nd.save`, `Module.save_checkpoint`, gluon
/// `save_parameters` and `export`, `npx.save`): list magic 0x112, then V1/V2/V3 or magic-less legacy
/// records, then the names. Dense records become views into the mapped file; row_sparse and csr records
/// are densified.
package enum MXNetParamsReader: WeightFileReader {
    package static let name = "mxnet"
    package static let formats: [WeightFormat] = [.mxnetParams]
    static let listMagic: UInt64 = 0x112
    static let v1Magic: UInt32 = 0xF993_FAC8
    static let v2Magic: UInt32 = 0xF993_FAC9
    static let v3Magic: UInt32 = 0xF993_FACA
    static let maximumRank = 32

    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 8 && UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)) == listMagic
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        var reader = ByteReader(file.bytes)
        guard try reader.readLittleEndian(UInt64.self, "list magic") == listMagic else {
            throw .malformed("not an MXNet NDArray list (magic 0x112)", at: 0)
        }
        _ = try reader.readLittleEndian(UInt64.self, "reserved word")
        let records = try readRecords(&reader, file: file, budget: budget)
        let names = try readNames(&reader, count: records.count)
        var collection = TensorCollection(format: .mxnetParams)
        for (index, entry) in records.enumerated() {
            let name = names.isEmpty ? String(index) : names[index]
            guard let record = entry.record else {
                // An empty (none) array: shown as a zero-size float32 tensor so the name is not lost.
                try collection.append(Tensor(name: name, dtype: .float32, shape: Shape([0]), data: TensorData([])))
                continue
            }
            do {
                try collection.append(record.tensor(named: name, budget: budget))
            } catch {
                var located = error.inTensor(name)
                if located.location.byteOffset == nil { located.location.byteOffset = entry.offset }
                throw located
            }
        }
        if names.contains(where: { $0.hasPrefix("arg:") || $0.hasPrefix("aux:") }) {
            collection.sourceFacts.mxnetNaming = "module"
        }
        try readSymbol(besides: file, into: &collection, budget: budget)
        return collection
    }

    /// The records, each with its file offset; a count the file cannot hold is refused before allocating.
    private static func readRecords(_ reader: inout ByteReader, file: MappedFile, budget: ReadBudget) throws(WeightKitError)
        -> [(offset: Int, record: MXNetRecord?)]
    {
        let countOffset = reader.fileOffset
        let count = try reader.readLength64("array count")
        // Every record takes at least 4 bytes.
        guard count <= reader.remaining / 4 else {
            throw .malformed("array count \(count) cannot fit in the \(reader.remaining) bytes that remain", at: countOffset)
        }
        try budget.charge(values: count, for: "\(count) arrays")
        var records: [(offset: Int, record: MXNetRecord?)] = []
        for index in 0..<count {
            let offset = reader.fileOffset
            do {
                records.append((offset, try MXNetRecord(&reader, file: file)))
            } catch {
                throw error.inTensor("#\(index)")
            }
        }
        return records
    }

    /// The names after the records: none, or one per record, each UTF-8; nothing may follow them.
    private static func readNames(_ reader: inout ByteReader, count: Int) throws(WeightKitError) -> [String] {
        let namesOffset = reader.fileOffset
        let nameCount = try reader.readLength64("name count")
        guard nameCount == 0 || nameCount == count else {
            throw .malformed("\(nameCount) names for \(count) arrays", at: namesOffset)
        }
        var names: [String] = []
        for _ in 0..<nameCount {
            let at = reader.fileOffset
            let length = try reader.readLength64("name length")
            let bytes = try reader.readBytes(length, for: "name")
            guard let name = String(validating: bytes, as: UTF8.self) else {
                throw .malformed("array name is not UTF-8", at: at)
            }
            names.append(name)
        }
        guard reader.isAtEnd else {
            throw .malformed("\(reader.remaining) bytes follow the array names", at: reader.fileOffset)
        }
        return names
    }

    /// What the `-symbol.json` beside a checkpoint says about its norms.
    private static func readSymbol(besides file: MappedFile, into collection: inout TensorCollection, budget: ReadBudget)
        throws(WeightKitError)
    {
        guard let symbol = symbolFile(besides: file.path) else { return }
        collection.sourceFacts.symbolFile = symbol
        // A symbol that is there but cannot be read (a folder, a FIFO) is an error: without it, eps and
        // fix_gamma would silently be other than the network's.
        let mapped = try MappedFile(path: symbol)
        guard mapped.count <= MXNetSymbol.maximumLength else {
            throw WeightKitError(.limitExceeded, "symbol file \(symbol) is larger than \(MXNetSymbol.maximumLength) bytes")
        }
        do {
            try MXNetSymbol(json: Data(mapped.bytes), budget: budget).record(in: &collection.sourceFacts)
        } catch {
            throw error.inFile(symbol)
        }
    }

    /// `prefix-symbol.json` beside a `prefix-NNNN.params` checkpoint, if it exists: the network it belongs to.
    static func symbolFile(besides path: String) -> String? {
        guard path.hasSuffix(".params") else { return nil }
        let stem = path.dropLast(".params".count)
        guard let dash = stem.lastIndex(of: "-"), stem[stem.index(after: dash)...].count == 4,
              stem[stem.index(after: dash)...].allSatisfy(\.isNumber)
        else { return nil }
        let symbol = String(stem[..<dash]) + "-symbol.json"
        return access(symbol, F_OK) == 0 ? symbol : nil
    }
}
