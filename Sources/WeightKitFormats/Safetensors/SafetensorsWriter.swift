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

    /// The complete header for `entries`: JSON in entry order, `__metadata__` first, padded with
    /// spaces so the data section starts at a multiple of 8.
    public static func header(for entries: [Entry], metadata: [String: String]) throws(WeightKitError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws(WeightKitError) -> String {
            do {
                return String(decoding: try encoder.encode(value), as: UTF8.self)
            } catch {
                throw WeightKitError(.invalidArgument, "cannot encode the header: \(error)")
            }
        }
        struct Description: Encodable {
            var dtype: String
            var shape: [Int]
            var data_offsets: [Int]
        }
        var members: [String] = []
        if !metadata.isEmpty {
            members.append(try json("__metadata__") + ":" + json(metadata))
        }
        var seen = Set<String>()
        var offset = 0
        for entry in entries {
            guard seen.insert(entry.name).inserted, entry.name != "__metadata__" else {
                throw WeightKitError(.invalidArgument, "tensor name used twice", location: .init(tensor: entry.name))
            }
            guard let code = entry.dtype.safetensorsCode else {
                throw WeightKitError(
                    .unsupported, "\(entry.dtype.rawValue) has no safetensors dtype; cast it first",
                    location: .init(tensor: entry.name))
            }
            let count = try entry.shape.byteCount(of: entry.dtype)
            let description = Description(
                dtype: code, shape: entry.shape.dimensions, data_offsets: [offset, offset + count])
            members.append(try json(entry.name) + ":" + json(description))
            offset += count
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        return header
    }

    /// Writes `entries` to `output` and commits it. On any error the output is discarded.
    ///
    /// `beforeCommit` runs after the last byte is written and may patch the header in place through
    /// `output.overwrite` (same length); it receives the header bytes, which start at offset 8.
    public static func write(
        _ entries: [Entry], metadata: [String: String], to output: AtomicOutputFile,
        progress: Progress? = nil, beforeCommit: (([UInt8]) throws(WeightKitError) -> Void)? = nil
    ) throws(WeightKitError) {
        do {
            let header = try header(for: entries, metadata: metadata)
            var length = UInt64(header.count).littleEndian
            try output.write(withUnsafeBytes(of: &length) { Array($0) } + header)
            let total = try entries.reduce(0) { (sum, entry) throws(WeightKitError) in
                sum + (try entry.shape.byteCount(of: entry.dtype))
            }
            var written = 0
            progress?(0, total)
            for entry in entries {
                let data = try entry.bytes()
                let expected = try entry.shape.byteCount(of: entry.dtype)
                guard data.count == expected else {
                    throw WeightKitError(
                        .malformed, "produced \(data.count) bytes where \(expected) were announced",
                        location: .init(tensor: entry.name))
                }
                try output.write(data)
                written += data.count
                progress?(written, total)
            }
            try beforeCommit?(header)
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
