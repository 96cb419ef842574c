import Foundation
import WeightKitCore

/// A weight file inside a zip that is not itself a checkpoint: a model-zoo release (SimpleDet ships a model
/// directory: `checkpoint-NNNN.params`, its `-symbol.json`, a config). The weight files are found by their
/// bytes; one is read through (the one asked for, the only one, or the newest `prefix-NNNN` checkpoint),
/// within the archive's budget.
enum ArchiveMember {
    static func read(_ archive: ZipArchive, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        let candidates = archive.entries.filter { entry in
            guard !entry.name.hasSuffix("/"), entry.size > 0 else { return false }
            let head = archive.prefix(of: entry, count: 512)
            return head.withUnsafeBytes { bytes in
                WeightFileRegistry.reader(for: bytes).map { reader in
                    reader != ZipWeightReader.self && reader != TarArchiveRefusal.self && reader != Caffe2ProtobufReader.self
                } ?? false
            }
        }
        let chosen = try choose(candidates, asked: options.member)
        let data = try archive.data(of: chosen, limit: chosen.size)
        try budget.charge(bytes: data.count, for: "copying \(chosen.name) out of the archive")
        let member: MappedFile
        do {
            member = try data.withUnsafeBytes { try MappedFile(copying: $0, name: archive.file.path + ":" + chosen.name) }
        } catch {
            throw .recovered(from: error)
        }
        guard let reader = WeightFileRegistry.reader(for: member.bytes) else {
            throw WeightKitError(.unsupported, "entry is not a weight file", location: .init(entry: chosen.name))
        }
        var collection: TensorCollection
        do {
            collection = try reader.read(member, options: options, budget: budget)
        } catch {
            throw error.inEntry(chosen.name)
        }
        collection.sourceFacts.archiveMember = chosen.name
        if chosen.name.hasSuffix(".params"), let symbol = symbol(besides: chosen.name, in: archive) {
            do {
                let json = try archive.data(of: symbol, limit: MXNetSymbol.maximumLength)
                try MXNetSymbol(json: Data(json.bytes), budget: budget).record(in: &collection.sourceFacts)
            } catch {
                throw error.inEntry(symbol.name)
            }
            collection.sourceFacts.symbolFile = symbol.name
        }
        return collection
    }

    /// The member asked for (its entry name, or the end of it), the only candidate, or the newest checkpoint
    /// when every candidate is a `prefix-NNNN` checkpoint of one prefix.
    static func choose(_ candidates: [ZipArchive.Entry], asked: String?) throws(WeightKitError) -> ZipArchive.Entry {
        let names = candidates.map(\.name).sorted()
        if let asked {
            let matches = candidates.filter { $0.name == asked || $0.name.hasSuffix("/" + asked) }
            guard matches.count == 1, let match = matches.first else {
                throw WeightKitError(
                    .invalidArgument,
                    "archive has \(matches.isEmpty ? "no" : "more than one") weight file named '\(asked)'; it holds: "
                        + names.joined(separator: ", "))
            }
            return match
        }
        guard !candidates.isEmpty else {
            throw WeightKitError(.unsupported, "zip archive holds no weight file (and no torch data.pkl)")
        }
        if candidates.count == 1, let only = candidates.first { return only }
        let numbered = candidates.compactMap { entry in checkpointNumber(entry.name).map { (entry, $0) } }
        if numbered.count == candidates.count, Set(numbered.map { $0.1.prefix }).count == 1,
           let newest = numbered.max(by: { $0.1.epoch < $1.1.epoch })
        {
            return newest.0
        }
        throw WeightKitError(
            .invalidArgument,
            "archive holds \(candidates.count) weight files; choose one as the member to read: " + names.joined(separator: ", "))
    }

    /// `prefix` and `NNNN` of an MXNet `prefix-NNNN.params` checkpoint name.
    static func checkpointNumber(_ name: String) -> (prefix: String, epoch: Int)? {
        guard name.hasSuffix(".params"), let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)...].dropLast(".params".count)
        guard digits.count == 4, let epoch = Int(digits) else { return nil }
        return (String(name[..<dash]), epoch)
    }

    /// `prefix-symbol.json` beside `prefix-NNNN.params` in the archive.
    static func symbol(besides name: String, in archive: ZipArchive) -> ZipArchive.Entry? {
        guard let (prefix, _) = checkpointNumber(name) else { return nil }
        return archive.entry(named: prefix + "-symbol.json")
    }
}
