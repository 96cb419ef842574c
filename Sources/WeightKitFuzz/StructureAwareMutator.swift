#if WEIGHTKIT_FUZZ
import Foundation
import WeightKitCore
import WeightKitFormats

/// Mutations that keep a container valid so the fuzzer reaches what it holds: a zip archive (`.pth`, `.npz`,
/// release zips) has one member mutated and is written again with correct sizes and CRCs, as byte-level
/// mutations of the archive itself almost never give; a pickle (a `.pkl`, a legacy torch file, a zip's
/// `data.pkl`) is mutated opcode by opcode (`PickleMutation`) and a protobuf field by field
/// (`ProtobufMutation`). One mutation in four stays byte-level, so the framing itself is fuzzed too.
enum StructureAwareMutator {
    static let scratch = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        + "/weightkit-mutator-\(getpid()).zip"

    /// Targets whose inputs are protobuf messages, mutated field by field.
    static let protobufTargets: Set<String> = ["caffe2", "onnx"]

    static func mutate(_ data: UnsafeMutablePointer<UInt8>, size: Int, maxSize: Int, seed: UInt32) -> Int {
        if seed % 4 != 0, size >= 2, let rebuilt = structured(UnsafeRawBufferPointer(start: data, count: size),
                                                             maxSize: maxSize, seed: seed >> 2),
           rebuilt.count <= maxSize
        {
            for (index, byte) in rebuilt.enumerated() { data[index] = byte }
            return rebuilt.count
        }
        return LibFuzzerBytes.mutate(data, size: size, maxSize: maxSize)
    }

    /// The input mutated as the structure its first bytes (or the fuzz target) say it has; nil for none.
    private static func structured(_ bytes: UnsafeRawBufferPointer, maxSize: Int, seed: UInt32) -> [UInt8]? {
        if bytes[0] == 0x50, bytes[1] == 0x4B { return mutatedArchive(bytes, maxSize: maxSize, seed: seed) }
        if bytes[0] == PickleOpcode.proto.rawValue { return PickleMutation.mutated(Array(bytes), maxSize: maxSize, seed: seed) }
        guard protobufTargets.contains(FuzzTarget.selected.name) else { return nil }
        return ProtobufMutation.mutated(Array(bytes), maxSize: maxSize, seed: seed)
    }

    /// The archive with member `seed % count` mutated, rewritten with every other member as it was; nil
    /// when the bytes are no archive libzip opens.
    private static func mutatedArchive(_ bytes: UnsafeRawBufferPointer, maxSize: Int, seed: UInt32) -> [UInt8]? {
        guard let file = try? MappedFile(copying: bytes, name: "mutator-input"),
              let archive = try? ZipArchive(file: file, budget: ReadBudget(FuzzTarget.limits)), !archive.entries.isEmpty
        else { return nil }
        let chosen = Int(seed) % archive.entries.count
        guard let output = try? AtomicOutputFile(destination: scratch, overwrite: true) else { return nil }
        let writer = ZipWriter(output: output, alignment: 64)
        for (index, entry) in archive.entries.enumerated() {
            guard var member = try? archive.data(of: entry, limit: maxSize).bytes else {
                output.discard()
                return nil
            }
            if index == chosen { member = mutated(member, maxSize: max(member.count, maxSize - bytes.count + member.count), seed: seed) }
            writer.add(entry.name, member)
        }
        guard (try? writer.finish()) != nil, (try? output.commit()) != nil else {
            output.discard()
            return nil
        }
        defer { unlink(scratch) }
        return FileManager.default.contents(atPath: scratch).map { [UInt8]($0) }
    }

    /// A member mutated opcode by opcode when it is a pickle, byte by byte otherwise.
    private static func mutated(_ member: [UInt8], maxSize: Int, seed: UInt32) -> [UInt8] {
        if member.first == PickleOpcode.proto.rawValue, seed % 2 == 0,
           let pickle = PickleMutation.mutated(member, maxSize: maxSize, seed: seed >> 1)
        {
            return pickle
        }
        return LibFuzzerBytes.mutated(member, maxSize: maxSize)
    }
}

/// libFuzzer's custom mutator hook: container-aware mutations (`StructureAwareMutator`).
///
/// - Parameters:
///   - data: the input to mutate in place, with room for `maxSize` bytes.
///   - size: its length in bytes.
///   - maxSize: the most bytes the mutated input may have.
///   - seed: libFuzzer's random seed for this mutation.
/// - Returns: the mutated input's length.
@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzCustomMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    return StructureAwareMutator.mutate(data, size: size, maxSize: maxSize, seed: seed)
}
#endif
