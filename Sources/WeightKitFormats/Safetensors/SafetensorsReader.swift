import Foundation
import WeightKitCore

/// Reads safetensors files (and so WeightKit's own vov.bin), validating them strictly: the header
/// length is bounded by the file, the JSON is valid UTF-8, every byte count matches its dtype and
/// shape, and the data offsets tile the data section exactly, without holes or overlaps.
public enum SafetensorsReader: WeightFileReader {
    package static let name = "safetensors"
    package static let formats: [WeightFormat] = [.safetensors]

    /// A JSON object after the 8-byte header length; the length itself is judged when reading.
    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count > 8 && bytes[8] == UInt8(ascii: "{")
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        try read(file, budget: budget)
    }

    /// Headers larger than this are refused, as the reference implementation does.
    public static let maximumHeaderLength = 100 * 1024 * 1024

    /// Reads the tensors of a mapped safetensors file as views into it, in data order. Decoding the header
    /// draws on `budget` (by default one sized by the file).
    public static func read(_ file: MappedFile, budget: ReadBudget? = nil) throws(WeightKitError) -> TensorCollection {
        do {
            return try readUnlabelled(file, budget: budget ?? ReadBudget(.forFile(size: file.count)))
        } catch {
            throw error.inFile(file.path)
        }
    }

    private struct TensorEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// The header object: `__metadata__` decodes as a string map, every other key as a tensor entry, so a
    /// decoding error's coding path names the offending key.
    private struct Header: Decodable {
        var metadata: [String: String] = [:]
        var entries: [(name: String, entry: TensorEntry)] = []

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
                    entries.append((key.stringValue, try container.decode(TensorEntry.self, forKey: key)))
                }
            }
        }
    }

    private static func readUnlabelled(_ file: MappedFile, budget: ReadBudget) throws(WeightKitError) -> TensorCollection {
        var reader = ByteReader(file.bytes)
        let headerLength = try reader.readLittleEndian(UInt64.self, "safetensors header length")
        guard headerLength <= UInt64(reader.remaining) else {
            throw .malformed(
                "header length \(headerLength) exceeds the \(reader.remaining) bytes after it", at: 0)
        }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw WeightKitError(
                .limitExceeded, "header length \(headerLength) exceeds the \(maximumHeaderLength)-byte limit",
                location: .init(byteOffset: 0))
        }
        let headerRange = try reader.take(Int(headerLength), for: "safetensors header")
        // Decoding builds a value per JSON token and keeps several copies of the text.
        try budget.charge(bytes: headerRange.count * 8, for: "decoding a \(headerRange.count)-byte header")
        try budget.charge(values: headerRange.count / 16, for: "decoding a \(headerRange.count)-byte header")
        let dataStart = headerRange.upperBound
        let dataLength = file.count - dataStart

        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(file.bytes[headerRange]))
        } catch {
            throw .malformed("header is not valid safetensors JSON: \(describe(error))", at: 8)
        }
        var entries = header.entries

        entries.sort { lhs, rhs in
            let left = lhs.entry.data_offsets, right = rhs.entry.data_offsets
            return (left.first ?? 0, left.last ?? 0, lhs.name) < (right.first ?? 0, right.last ?? 0, rhs.name)
        }

        var collection = TensorCollection(format: .safetensors, metadata: header.metadata)
        var expectedBegin = 0
        for (name, entry) in entries {
            let location = WeightKitError.Location(byteOffset: 8, tensor: name)
            guard let dtype = DType(safetensorsCode: entry.dtype) else {
                throw WeightKitError(.unsupported, "unknown dtype '\(entry.dtype)'", location: location)
            }
            guard entry.data_offsets.count == 2 else {
                throw WeightKitError(.malformed, "data_offsets must hold two numbers", location: location)
            }
            let begin = entry.data_offsets[0], end = entry.data_offsets[1]
            guard begin <= end else {
                throw WeightKitError(.malformed, "data_offsets [\(begin), \(end)] run backwards", location: location)
            }
            guard end <= dataLength else {
                throw WeightKitError(
                    .truncated, "data_offsets [\(begin), \(end)] run past the \(dataLength)-byte data section",
                    location: location)
            }
            guard begin == expectedBegin else {
                let problem = begin > expectedBegin ? "a hole" : "an overlap"
                throw WeightKitError(
                    .malformed,
                    "data_offsets [\(begin), \(end)] leave \(problem) after byte \(expectedBegin) of the data section",
                    location: location)
            }
            let shape: Shape
            do {
                shape = try Shape(entry.shape)
            } catch {
                throw error.inTensor(name)
            }
            let byteCount = try shape.byteCount(of: dtype)
            guard byteCount == end - begin else {
                throw WeightKitError(
                    .malformed,
                    "\(dtype.rawValue) \(shape) needs \(byteCount) bytes but data_offsets span \(end - begin)",
                    location: location)
            }
            let data = TensorData(file: file, range: dataStart + begin..<dataStart + end)
            try collection.append(Tensor(name: name, dtype: dtype, shape: shape, data: data))
            expectedBegin = end
        }
        guard expectedBegin == dataLength else {
            throw .malformed(
                "\(dataLength - expectedBegin) bytes after the last tensor belong to no tensor",
                at: dataStart + expectedBegin)
        }
        return collection
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
