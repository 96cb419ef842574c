import Foundation
import WeightKitCore

/// The JSON header of a safetensors file, for reading and writing: `__metadata__` (a string map) and, per
/// tensor, its dtype, shape and byte range in the data section.
public struct SafetensorsHeader: Sendable {
    /// One tensor's description.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name.
        public var name: String
        /// The tensor's dtype.
        public var dtype: DType
        /// The tensor's shape.
        public var shape: Shape
        /// Offsets in the data section, which starts right after the header.
        public var dataOffsets: Range<Int>

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - name: the tensor's name.
        ///   - dtype: its dtype.
        ///   - shape: its shape.
        ///   - dataOffsets: its byte range in the data section.
        public init(name: String, dtype: DType, shape: Shape, dataOffsets: Range<Int>) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.dataOffsets = dataOffsets
        }
    }

    /// The `__metadata__` string map.
    public var metadata: [String: String]
    /// The tensors, in data order.
    public var entries: [Entry]

    /// Creates a header from its parts, as they are.
    ///
    /// - Parameters:
    ///   - metadata: the `__metadata__` string map.
    ///   - entries: the tensors, in data order.
    public init(metadata: [String: String] = [:], entries: [Entry] = []) {
        self.metadata = metadata
        self.entries = entries
    }

    // MARK: - Writing

    /// A header for tensors of these names, dtypes and shapes, laid out back to back in the order the
    /// reference writer uses: larger elements first (so every tensor starts at a multiple of its element
    /// size: the header is padded to 8), the given order kept among tensors of one element size.
    ///
    /// - Parameters:
    ///   - tensors: the tensors to lay out, in the order given.
    ///   - metadata: the `__metadata__` string map.
    /// - Throws: `WeightKitError` for a name used twice (or `__metadata__`), a dtype safetensors cannot hold, or
    ///   data past 64-bit offsets.
    public init(laying tensors: [(name: String, dtype: DType, shape: Shape)], metadata: [String: String])
        throws(WeightKitError)
    {
        var seen = Set<String>()
        var ordered: [(index: Int, tensor: (name: String, dtype: DType, shape: Shape))] = []
        for (index, tensor) in tensors.enumerated() {
            guard seen.insert(tensor.name).inserted, tensor.name != "__metadata__" else {
                throw WeightKitError(.invalidArgument, "tensor name used twice", location: .init(tensor: tensor.name))
            }
            guard tensor.dtype.safetensorsCode != nil else {
                throw WeightKitError(
                    .unsupported, "\(tensor.dtype.rawValue) has no safetensors dtype; cast it first",
                    location: .init(tensor: tensor.name))
            }
            ordered.append((index, tensor))
        }
        ordered.sort { ($1.tensor.dtype.itemSize, $0.index) < ($0.tensor.dtype.itemSize, $1.index) }
        var offset = 0
        var entries: [Entry] = []
        for (_, tensor) in ordered {
            let count = try tensor.shape.byteCount(of: tensor.dtype)
            let (end, overflow) = offset.addingReportingOverflow(count)
            guard !overflow else { throw WeightKitError(.invalidArgument, "tensor data exceeds 64-bit offsets") }
            entries.append(Entry(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, dataOffsets: offset..<end))
            offset = end
        }
        self.init(metadata: metadata, entries: entries)
    }

    /// The header's bytes: JSON with `__metadata__` first, then the tensors in data order, padded with
    /// spaces to a multiple of 8.
    ///
    /// With `slot`, that metadata key's value (which must be its final length, e.g. a placeholder digest)
    /// is reported as a byte range of the returned bytes, so it can be overwritten after the data is written.
    ///
    /// - Parameter slot: the metadata key whose value is to be overwritten later, if any.
    /// - Returns: the header's bytes (without the 8-byte length before it), and the slot's byte range in them.
    /// - Throws: `WeightKitError` (`invalidArgument`) when the JSON cannot be encoded or `slot` is not a
    ///   metadata key.
    public func encoded(slot: String? = nil) throws(WeightKitError) -> (bytes: [UInt8], slot: Range<Int>?) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws(WeightKitError) -> [UInt8] {
            do {
                return Array(try encoder.encode(value))
            } catch {
                throw WeightKitError(.invalidArgument, "cannot encode the header: \(error)")
            }
        }
        struct Description: Encodable {
            var dtype: String
            var shape: [Int]
            var data_offsets: [Int]
        }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        var slotRange: Range<Int>?
        if !metadata.isEmpty {
            bytes += try json("__metadata__") + [UInt8(ascii: ":"), UInt8(ascii: "{")]
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                let value = try json(metadata[key] ?? "")
                bytes += try json(key) + [UInt8(ascii: ":")]
                if key == slot { slotRange = bytes.count + 1..<bytes.count + value.count - 1 }
                bytes += value
            }
            bytes.append(UInt8(ascii: "}"))
        }
        for entry in entries {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            let description = Description(
                dtype: entry.dtype.safetensorsCode ?? "", shape: entry.shape.dimensions,
                data_offsets: [entry.dataOffsets.lowerBound, entry.dataOffsets.upperBound])
            bytes += try json(entry.name) + [UInt8(ascii: ":")] + json(description)
        }
        bytes.append(UInt8(ascii: "}"))
        while bytes.count % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        if let slot, slotRange == nil {
            throw WeightKitError(.invalidArgument, "metadata has no '\(slot)' to reserve")
        }
        return (bytes, slotRange)
    }

    // MARK: - Reading

    /// Decodes header JSON: `__metadata__` as a string map, every other key as a tensor, in file order
    /// sorted by data offsets afterwards by the reader.
    init(decoding json: Data) throws(WeightKitError) {
        do {
            let decoded = try JSONDecoder().decode(Decoded.self, from: json)
            self.init(metadata: decoded.metadata, entries: [])
            for (name, raw) in decoded.entries {
                let location = WeightKitError.Location(byteOffset: 8, tensor: name)
                guard let dtype = DType(safetensorsCode: raw.dtype) else {
                    throw WeightKitError(.unsupported, "unknown dtype '\(raw.dtype)'", location: location)
                }
                guard raw.data_offsets.count == 2 else {
                    throw WeightKitError(.malformed, "data_offsets must hold two numbers", location: location)
                }
                let begin = raw.data_offsets[0], end = raw.data_offsets[1]
                guard begin <= end else {
                    throw WeightKitError(.malformed, "data_offsets [\(begin), \(end)] run backwards", location: location)
                }
                let shape: Shape
                do {
                    shape = try Shape(raw.shape)
                } catch {
                    throw error.inTensor(name)
                }
                entries.append(Entry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end))
            }
        } catch let error as WeightKitError {
            throw error
        } catch {
            throw .malformed("header is not valid safetensors JSON: \(Self.describe(error))", at: 8)
        }
    }

    private struct RawEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// The header object: `__metadata__` decodes as a string map, every other key as a tensor entry, so a
    /// decoding error's coding path names the offending key.
    private struct Decoded: Decodable {
        var metadata: [String: String] = [:]
        var entries: [(name: String, entry: RawEntry)] = []

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    entries.append((key.stringValue, try container.decode(RawEntry.self, forKey: key)))
                }
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return context.underlyingError.map { "\(($0 as NSError).userInfo[NSDebugDescriptionErrorKey] ?? $0)" }
                ?? context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _):
            return "missing key '\(key.stringValue)'"
        default:
            return "\(error)"
        }
    }
}
