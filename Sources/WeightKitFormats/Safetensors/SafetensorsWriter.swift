import Foundation
import WeightKitCore

/// Writes safetensors files: the header first, then each tensor's bytes in header order, produced one
/// tensor at a time so that memory stays near the largest tensor rather than the whole file.
public enum SafetensorsWriter {
    /// One tensor to write. `bytes` is called once, when the tensor's turn comes.
    public struct Entry {
        public var name: String
        public var dtype: DType
        public var shape: Shape
        public var bytes: () throws(WeightKitError) -> TensorData

        public init(name: String, dtype: DType, shape: Shape,
                    bytes: @escaping () throws(WeightKitError) -> TensorData) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// An entry that writes `tensor` as it is.
        public init(_ tensor: Tensor) {
            self.init(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape) { tensor.data }
        }
    }

    /// Progress: bytes of tensor data written so far and in all.
    public typealias Progress = (_ written: Int, _ total: Int) -> Void

    /// A value of the header written after the data (a digest computed while the data streams): the
    /// metadata holds a placeholder of the final length under `key` until `value` replaces it.
    public struct Patch {
        public var key: String
        public var value: () throws(WeightKitError) -> String

        public init(key: String, value: @escaping () throws(WeightKitError) -> String) {
            self.key = key
            self.value = value
        }
    }

    /// Writes `entries` to `output` (in the header's data order: larger elements first, so every tensor is
    /// aligned to its element size) and commits it. On any error the output is discarded.
    public static func write(
        _ entries: [Entry], metadata: [String: String], to output: AtomicOutputFile,
        progress: Progress? = nil, patch: Patch? = nil
    ) throws(WeightKitError) {
        do {
            let header = try SafetensorsHeader(laying: entries.map { ($0.name, $0.dtype, $0.shape) }, metadata: metadata)
            let (bytes, slot) = try header.encoded(slot: patch?.key)
            var length = UInt64(bytes.count).littleEndian
            try output.write(withUnsafeBytes(of: &length) { Array($0) } + bytes)
            let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let total = header.entries.last?.dataOffsets.upperBound ?? 0
            var written = 0
            progress?(0, total)
            for described in header.entries {
                guard let entry = byName[described.name] else { continue }
                let data = try entry.bytes()
                guard data.count == described.dataOffsets.count else {
                    throw WeightKitError(
                        .malformed, "produced \(data.count) bytes where \(described.dataOffsets.count) were announced",
                        location: .init(tensor: entry.name))
                }
                try output.write(data)
                written += data.count
                progress?(written, total)
            }
            if let patch, let slot {
                let value = Array(try patch.value().utf8)
                guard value.count == slot.count else {
                    throw WeightKitError(.invalidArgument, "'\(patch.key)' changed length after the header was written")
                }
                try output.overwrite(value, at: 8 + slot.lowerBound)
            }
            try output.commit()
        } catch {
            output.discard()
            throw .recovered(from: error)
        }
    }

    /// Writes `collection` as it is to `path`.
    public static func write(
        _ collection: TensorCollection, to path: String, overwrite: Bool = false
    ) throws(WeightKitError) {
        let output = try AtomicOutputFile(destination: path, overwrite: overwrite)
        try write(collection.tensors.map(Entry.init), metadata: collection.metadata, to: output)
    }
}
