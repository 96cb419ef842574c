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
    ///
    /// - Parameters:
    ///   - file: the mapped safetensors file.
    ///   - budget: the read's budget; nil for the default of the file's size.
    /// - Returns: the tensors, with the `__metadata__` as metadata.
    /// - Throws: `WeightKitError` naming the file when the header or the data offsets are invalid.
    public static func read(_ file: MappedFile, budget: ReadBudget? = nil) throws(WeightKitError) -> TensorCollection {
        do {
            return try readHeaderAndData(file, budget: budget ?? ReadBudget(.forFile(size: file.count)))
        } catch {
            throw error.inFile(file.path)
        }
    }

    private static func readHeaderAndData(_ file: MappedFile, budget: ReadBudget) throws(WeightKitError) -> TensorCollection {
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

        let header = try SafetensorsHeader(decoding: Data(file.bytes[headerRange]))
        let entries = header.entries.sorted { lhs, rhs in
            (lhs.dataOffsets.lowerBound, lhs.dataOffsets.upperBound, lhs.name)
                < (rhs.dataOffsets.lowerBound, rhs.dataOffsets.upperBound, rhs.name)
        }

        var collection = TensorCollection(format: .safetensors, metadata: header.metadata)
        var expectedBegin = 0
        for entry in entries {
            let location = WeightKitError.Location(byteOffset: 8, tensor: entry.name)
            let begin = entry.dataOffsets.lowerBound, end = entry.dataOffsets.upperBound
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
            let byteCount = try entry.shape.byteCount(of: entry.dtype)
            guard byteCount == end - begin else {
                throw WeightKitError(
                    .malformed,
                    "\(entry.dtype.rawValue) \(entry.shape) needs \(byteCount) bytes but data_offsets span \(end - begin)",
                    location: location)
            }
            let data = TensorData(file: file, range: dataStart + begin..<dataStart + end)
            try collection.append(Tensor(name: entry.name, dtype: entry.dtype, shape: entry.shape, data: data))
            expectedBegin = end
        }
        guard expectedBegin == dataLength else {
            throw .malformed(
                "\(dataLength - expectedBegin) bytes after the last tensor belong to no tensor",
                at: dataStart + expectedBegin)
        }
        return collection
    }
}
