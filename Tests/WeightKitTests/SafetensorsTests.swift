import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct SafetensorsTests {
    /// A tensor of `dtype` whose bytes count up, so any misplaced byte shows.
    private func countingTensor(_ name: String, _ dtype: DType, _ dimensions: [Int]) throws -> Tensor {
        let shape = try Shape(dimensions)
        let bytes = (0..<shape.elementCount * dtype.itemSize).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        return try Tensor(name: name, dtype: dtype, shape: shape, data: TensorData(bytes))
    }

    @Test(arguments: DType.allCases.filter { $0.safetensorsCode != nil })
    func roundTripIsByteExact(dtype: DType) throws {
        let scratch = try ScratchDirectory()
        var collection = TensorCollection(format: .safetensors, metadata: ["k": "v", "ünï": "cødé"])
        try collection.append(countingTensor("a/b.weight", dtype, [2, 3, 5]))
        try collection.append(countingTensor("scalar", dtype, []))
        try collection.append(countingTensor("empty", dtype, [0, 7]))
        try collection.append(countingTensor("tail", dtype, [3]))
        let path = scratch.path("out.safetensors")
        try WeightFile.writeSafetensors(collection, to: path)

        let read = try WeightFile.read(path)
        #expect(read.metadata == collection.metadata)
        #expect(Set(read.names) == Set(collection.names))
        for tensor in collection.tensors {
            let other = try #require(read[tensor.name])
            #expect(other.dtype == dtype)
            #expect(other.shape == tensor.shape)
            #expect(other.data.bytes == tensor.data.bytes)
        }
        // Rewriting what was read reproduces the file byte for byte.
        let again = scratch.path("again.safetensors")
        var reordered = TensorCollection(format: .safetensors, metadata: read.metadata)
        for name in collection.names { try reordered.append(#require(read[name])) }
        try WeightFile.writeSafetensors(reordered, to: again)
        #expect(FileManager.default.contentsEqual(atPath: path, andPath: again))
    }

    /// Every tensor starts at a multiple of its element size, as the reference writer lays tensors out
    /// (larger elements first), whatever order they come in.
    @Test func tensorDataIsAlignedToItsElementSize() throws {
        let scratch = try ScratchDirectory()
        var collection = TensorCollection(format: .safetensors)
        try collection.append(countingTensor("odd_bytes", .uint8, [3]))
        try collection.append(countingTensor("halves", .float16, [3]))
        try collection.append(countingTensor("floats", .float32, [3]))
        try collection.append(countingTensor("longs", .int64, [1]))
        try collection.append(countingTensor("more_bytes", .uint8, [5]))
        let path = scratch.path("aligned.safetensors")
        try WeightFile.writeSafetensors(collection, to: path)
        let file = try MappedFile(path: path)
        let read = try SafetensorsReader.read(file)
        #expect(read.names == ["longs", "floats", "halves", "odd_bytes", "more_bytes"])
        let dataStart = 8 + Int(file.bytes.loadUnaligned(as: UInt64.self))
        #expect(dataStart % 8 == 0)
        for tensor in read.tensors {
            let offset = try #require(tensor.data.fileRegion?.offset) - dataStart
            #expect(offset % tensor.dtype.itemSize == 0, "\(tensor.name) at \(offset)")
            #expect(tensor.data.bytes == collection[tensor.name]?.data.bytes)
        }
    }

    /// A value reserved in the header is patched in place after the data, keeping the header's length.
    @Test func reservedSlotIsPatchedAfterTheData() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path("patched.safetensors")
        let output = try AtomicOutputFile(destination: path, overwrite: false)
        let entries = [OutputTensor(try countingTensor("x", .float32, [4]))]
        let patch = DeferredValue(key: "digest") { "cafe" }
        try WeightFile.write(OutputDocument(tensors: entries, metadata: ["digest": "0000", "other": "0000"], deferred: patch),
                             as: .safetensors, to: output)
        let read = try WeightFile.read(path)
        #expect(read.metadata == ["digest": "cafe", "other": "0000"])
        let wrong = DeferredValue(key: "digest") { "longer value" }
        let second = try AtomicOutputFile(destination: scratch.path("wrong.safetensors"), overwrite: false)
        #expect(throws: WeightKitError.self) {
            try WeightFile.write(OutputDocument(tensors: entries, metadata: ["digest": "0000"], deferred: wrong),
                                 as: .safetensors, to: second)
        }
        #expect(scratch.contents == ["patched.safetensors"])
    }

    @Test func headerIsPaddedToEightBytes() throws {
        let scratch = try ScratchDirectory()
        var collection = TensorCollection(format: .safetensors)
        try collection.append(countingTensor("x", .uint8, [3]))
        let path = scratch.path("x.safetensors")
        try WeightFile.writeSafetensors(collection, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))
        #expect(bytes.count == 8 + length + 3)
    }

    @Test func complex128IsRefusedByTheWriter() throws {
        let scratch = try ScratchDirectory()
        var collection = TensorCollection(format: .safetensors)
        try collection.append(countingTensor("z", .complex128, [2]))
        let path = scratch.path("z.safetensors")
        #expect(throws: WeightKitError.self) { try WeightFile.writeSafetensors(collection, to: path) }
        #expect(scratch.contents.isEmpty)
    }

    @Test func readsWhatPythonWrote() throws {
        let collection = try WeightFile.read(Fixtures.path("safetensors/python-written.safetensors"))
        let manifest = try Fixtures.manifest("safetensors/python-written.manifest.json")
        #expect(collection.format == .safetensors)
        #expect(collection.metadata == manifest.metadata)
        Fixtures.expectMatches(collection, manifest)
    }

    static let malformed: [(String, [UInt8], WeightKitError.Kind)] = [
        ("huge header length", safetensorsBytes(header: "{}", data: [], declaredLength: 1 << 62), .malformed),
        ("header longer than file", safetensorsBytes(header: "{}", data: [], declaredLength: 3), .malformed),
        ("too short for a length", [0x10, 0, 0], .unsupported),
        ("bad JSON", safetensorsBytes(header: "{\"a\": [", data: []), .malformed),
        ("entry not a tensor", safetensorsBytes(header: #"{"a": [1, 2]}"#, data: []), .malformed),
        ("bad UTF-8", safetensorsBytes(header: "{\"\u{FFFD}\"}", data: []).map { $0 == 0xEF ? 0xFF : $0 }, .malformed),
        ("hole", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#, data: [1, 2, 3, 4]), .malformed),
        ("overlap", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#,
            data: [1, 2, 3]), .malformed),
        ("offsets past the end", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, data: [1, 2]), .truncated),
        ("trailing bytes", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1, 2]), .malformed),
        ("unknown dtype", safetensorsBytes(
            header: #"{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}"#, data: [1]), .unsupported),
        ("shape and bytes disagree", safetensorsBytes(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [1, 2, 3, 4]), .malformed),
        ("negative dimension", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#, data: []), .malformed),
        ("overflowing shape", safetensorsBytes(
            header: #"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: []), .malformed),
        ("backwards offsets", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}"#, data: [1]), .malformed),
        ("fractional dimension", safetensorsBytes(
            header: #"{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}"#, data: [1]), .malformed),
        ("metadata not strings", safetensorsBytes(
            header: #"{"__metadata__":{"a":1}}"#, data: []), .malformed),
    ]

    @Test(arguments: malformed)
    func malformedContainerFailsClearlyWithoutOutput(name: String, bytes: [UInt8], kind: WeightKitError.Kind) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(bytes, to: "bad.safetensors")
        do {
            var conversion = Conversion()
            conversion.overwrite = false
            try conversion.run(from: path, to: scratch.path("out.bin"))
            Issue.record("\(name): no error")
        } catch {
            #expect(error.kind == kind, "\(name): \(error)")
            #expect(error.file == path, "\(name)")
            #expect(!error.reason.isEmpty)
        }
        #expect(scratch.contents == ["bad.safetensors"], "\(name) left \(scratch.contents)")
    }

    @Test func everyTruncationFailsCleanly() throws {
        let source = Fixtures.path("safetensors/python-written.safetensors")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let scratch = try ScratchDirectory()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let path = try scratch.write(Array(bytes[..<length]), to: "cut.safetensors")
            #expect(throws: WeightKitError.self, "cut at \(length)") { try WeightFile.read(path) }
        }
    }
}
