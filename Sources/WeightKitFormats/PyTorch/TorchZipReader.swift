import Foundation
import WeightKitCore

/// Reads torch.save zip archives (torch >= 1.6) and TorchScript archives.
package enum TorchZipReader {
    /// The most a pickle entry may inflate to.
    static let maximumPickleSize = 256 << 20

    static func read(_ archive: ZipArchive, options: WeightFile.ReadOptions, budget: ReadBudget)
        throws(WeightKitError) -> TensorCollection
    {
        let prefix = try archivePrefix(archive)
        let isTorchScript = archive.entry(named: prefix + "constants.pkl") != nil
            || archive.entries.contains { $0.name.hasPrefix(prefix + "code/") }
        let byteOrder = try archive.entry(named: prefix + "byteorder").map { (entry) throws(WeightKitError) in
            try text(of: entry, in: archive)
        } ?? "little"
        guard byteOrder == "little" || byteOrder == "big" else {
            throw WeightKitError(.malformed, "byteorder is '\(byteOrder)'", location: .init(entry: prefix + "byteorder"))
        }
        let pickleName = prefix + "data.pkl"
        guard let pickleEntry = archive.entry(named: pickleName) else {
            throw WeightKitError(.malformed, "archive has no \(pickleName)")
        }
        let machine = PickleMachine(globals: isTorchScript ? .torchScript : .torch, allowsPersistentIDs: true)
        let result: PickleResult
        do {
            result = try machine.load(try archive.data(of: pickleEntry, limit: maximumPickleSize), budget: budget)
        } catch {
            throw error.inEntry(pickleName)
        }
        let layout: CheckpointContents
        do {
            layout = try CheckpointContents(
                root: result.value, includeAll: options.includeAll, maximumNesting: machine.limits.maximumNesting,
                budget: budget)
        } catch {
            throw error.inEntry(pickleName)
        }
        var facts = SourceFacts()
        facts.archivePrefix = String(prefix.dropLast())
        if byteOrder == "big" { facts.byteOrder = "big" }
        let builder = PickledTensorBuilder(
            storageBytes: { (storage) throws(WeightKitError) in
                let name = prefix + "data/" + storage.key
                guard let entry = archive.entry(named: name) else {
                    throw WeightKitError(.malformed, "storage record is missing", location: .init(entry: name))
                }
                let expected = try storage.byteCount
                let data = try archive.data(of: entry, limit: expected)
                guard data.count == expected else {
                    throw WeightKitError(
                        .malformed,
                        "record holds \(data.count) bytes but its storage has \(storage.count) elements of \(storage.itemSize) bytes",
                        location: .init(entry: name))
                }
                return data
            },
            bigEndian: byteOrder == "big",
            budget: budget)
        return try builder.collection(layout, format: isTorchScript ? .torchScript : .pytorchZip, facts: facts)
    }

    /// The one top-level folder every entry sits in, with its trailing slash.
    private static func archivePrefix(_ archive: ZipArchive) throws(WeightKitError) -> String {
        let candidates = archive.entries.map(\.name).filter {
            $0.hasSuffix("/data.pkl") && $0.dropLast("/data.pkl".count).firstIndex(of: "/") == nil
        }
        guard let pickle = candidates.first else {
            throw WeightKitError(.unsupported, "zip archive without a data.pkl: not a PyTorch checkpoint")
        }
        guard candidates.count == 1 else {
            throw WeightKitError(.malformed, "archive holds \(candidates.count) data.pkl folders")
        }
        let prefix = String(pickle.dropLast("data.pkl".count))
        if let outside = archive.entries.first(where: { !$0.name.hasPrefix(prefix) }) {
            throw WeightKitError(
                .malformed, "entry lies outside the archive folder '\(prefix)'", location: .init(entry: outside.name))
        }
        return prefix
    }

    private static func text(of entry: ZipArchive.Entry, in archive: ZipArchive) throws(WeightKitError) -> String {
        let data = try archive.data(of: entry, limit: 64)
        return data.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
