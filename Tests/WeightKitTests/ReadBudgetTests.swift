import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// One budget per file read, shared by everything that reads the file.
@Suite struct ReadBudgetTests {
    @Test func overdrawingNamesTheBudget() throws {
        let budget = ReadBudget(.init(bytes: 100, values: 10, work: 1000))
        try budget.charge(bytes: 60, for: "the first part")
        do {
            try budget.charge(bytes: 60, for: "the second part")
            Issue.record("overdrew the bytes budget")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.budget == .bytes)
            #expect(error.description.contains("the second part would take this file's bytes budget past 100 bytes"))
        }
        #expect(budget.bytesUsed == 60)
        #expect(throws: WeightKitError.self) { try budget.charge(values: Int.max, for: "overflow") }
    }

    @Test func defaultsGrowWithTheFile() {
        #expect(ReadBudget.Limits.forFile(size: 1000) == .floor)
        let large = ReadBudget.Limits.forFile(size: 1 << 30)
        #expect(large.bytes == 4 << 30)
        #expect(large.work == 32 << 30)
        #expect(ReadBudget.Limits.forFile(size: Int.max).bytes == Int.max)
        #expect(ReadBudget.Limits.forFile(size: 10, bytes: 7).bytes == 7)
    }

    /// The five pickles of a legacy stream draw from the file's one budget: together they are charged what
    /// each charges alone.
    @Test func legacyPicklesShareTheFileBudget() throws {
        let file = try MappedFile(path: Fixtures.path("pytorch/resnet-legacy.pth"))
        let whole = TensorData(file: file, range: 0..<file.count)
        var start = 0, separately = 0
        for index in 0..<5 {
            let alone = ReadBudget(.floor)
            let globals: PickleGlobals = index == 3 ? .torch : .python
            let result = try PickleMachine(globals: globals, allowsPersistentIDs: index == 3)
                .load(whole, from: start, mustEndAtSTOP: false, budget: alone)
            separately += alone.valuesUsed
            start = result.end
        }
        let shared = ReadBudget(.floor)
        _ = try TorchLegacyReader.read(file, options: .init(), budget: shared)
        #expect(shared.valuesUsed == separately)
        var tight = ReadBudget.Limits.floor
        tight.values = separately - 1
        #expect(throws: WeightKitError.self) {
            try WeightFile.read(Fixtures.path("pytorch/resnet-legacy.pth"), options: .init(limits: tight))
        }
    }

    /// A record referenced under several names is materialised once: the copy is charged once, the names
    /// each carry the data (which is what an output would hold).
    @Test func referencesShareOneCopy() throws {
        let scratch = try ScratchDirectory()
        // {'a': x, 'b': x} with x a big-endian float32 array of 4 values, pickled at protocol 2.
        var pickle: [UInt8] = [0x80, 0x02, 0x7D]
        pickle += Array("cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}U\u{01}b\u{87}R(K\u{01}K\u{04}\u{85}cnumpy\ndtype\nU\u{02}f4\u{89}\u{88}\u{87}R(K\u{03}U\u{01}>NNNJ\u{FF}\u{FF}\u{FF}\u{FF}J\u{FF}\u{FF}\u{FF}\u{FF}K\u{00}tb\u{89}C\u{10}".unicodeScalars.map { UInt8($0.value) })
        pickle += [0x3F, 0x80, 0, 0, 0x40, 0, 0, 0, 0x40, 0x40, 0, 0, 0x40, 0x80, 0, 0]
        pickle += Array("tbq\u{09}".unicodeScalars.map { UInt8($0.value) })
        pickle += [0x30]  // POP: the array stays in memo 9
        pickle += Array("X\u{01}\u{00}\u{00}\u{00}ah\u{09}sX\u{01}\u{00}\u{00}\u{00}bh\u{09}s.".unicodeScalars.map { UInt8($0.value) })
        let path = try scratch.write(pickle, to: "shared.pkl")
        let file = try MappedFile(path: path)
        let budget = ReadBudget(.floor)
        let collection = try PickleFileReader.read(file, options: .init(), budget: budget)
        #expect(collection.names == ["a", "b"])
        #expect(collection["a"]?.data.bytes == collection["b"]?.data.bytes)
        var values: [Double] = []
        try #require(collection["b"]).forEachScalar { values.append($0) }
        #expect(values == [1, 2, 3, 4])
        // The swapped copy once, and the two one-byte names.
        #expect(budget.bytesUsed == 16 + 2)
    }
}
