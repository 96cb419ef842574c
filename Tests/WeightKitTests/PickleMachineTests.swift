import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// The machine against pickles CPython wrote at every protocol, and against attacks.
@Suite struct PickleMachineTests {
    /// The JSON form fixtures/pickle/make_fixtures.py gives the same value.
    private func jsonable(_ value: PickleValue) -> Any {
        func sortedByJSON(_ items: [Any]) -> [Any] {
            items.sorted { canonical($0) < canonical($1) }
        }
        switch value {
        case .none: return NSNull()
        case .bool(let flag): return flag
        case .int(let number): return ["int": String(number)]
        case .bigInt(let bytes): return ["bigint_le": bytes.map { String(format: "%02x", $0) }.joined()]
        case .float(let number): return ["float": "\(number)"]
        case .string, .binaryString: return value.text ?? ""
        case .bytes(let data): return ["bytes": data.bytes.map { String(format: "%02x", $0) }.joined()]
        case .tuple(let tuple): return ["tuple": tuple.items.map(jsonable)]
        case .list(let list): return ["list": list.items.map(jsonable)]
        case .set(let set): return ["set": sortedByJSON(set.items.map(jsonable))]
        case .dict(let dict): return ["dict": dict.entries.map { [jsonable($0.key), jsonable($0.value)] }]
        default: return "<\(value.kindName)>"
        }
    }

    private func canonical(_ value: Any) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private func load(_ bytes: [UInt8], globals: PickleGlobals = .torch) throws -> PickleResult {
        try PickleMachine(globals: globals, allowsPersistentIDs: false).load(TensorData(bytes))
    }

    @Test(arguments: 0...5)
    func readsEveryProtocolAsCPythonWroteIt(protocolVersion: Int) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pickle/plain-data-protocol\(protocolVersion).pkl"))))
        let result = try load(bytes)
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pickle/plain-data.json"))))
        #expect(canonical(jsonable(result.value)) == canonical(expected))
    }

    @Test func memoEntriesAreSharedNotCopied() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pickle/plain-data-protocol2.pkl"))))
        let result = try load(bytes)
        guard case .dict(let root) = result.value, case .list(let twice)? = root["shared_twice"],
              case .list(let first) = twice.items[0], case .list(let second) = twice.items[1]
        else {
            Issue.record("unexpected structure"); return
        }
        #expect(first === second)
    }

    @Test func refusesGlobalsOffTheAllowList() {
        // GLOBAL 'os system', then 'ls', TUPLE1, REDUCE, STOP.
        let bytes: [UInt8] = [0x80, 0x02] + Array("cos\nsystem\nX\u{02}\0\0\0lsq\u{00}\u{85}R.".utf8)
        #expect {
            try load(bytes)
        } throws: { error in
            let error = try #require(error as? WeightKitError)
            return error.kind == .unsafe && error.reason.contains("os.system") && error.location.byteOffset == 2
        }
    }

    @Test func refusesCallingAValueOnlyGlobal() {
        let bytes: [UInt8] = [0x80, 0x02] + Array("ctorch\nFloatStorage\n)R.".utf8)
        #expect(throws: WeightKitError.self) { try load(bytes) }
    }

    @Test func refusesTrailingBytesAfterSTOP() {
        #expect(throws: WeightKitError.self) { try load([0x80, 0x02, 0x4E, 0x2E, 0x00]) }
    }

    @Test func refusesLengthsPastTheEnd() {
        // BINUNICODE claiming 4 GiB.
        #expect(throws: WeightKitError.self) { try load([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x61]) }
        // BINBYTES8 claiming 2^62.
        #expect(throws: WeightKitError.self) { try load([0x80, 0x04, 0x8E] + [0, 0, 0, 0, 0, 0, 0, 0x40]) }
    }

    @Test func refusesDeepNestingWhileBuilding() {
        let depth = 5_000
        let bytes: [UInt8] = [0x80, 0x02] + Array(repeating: 0x5D, count: depth)
            + Array(repeating: 0x61, count: depth - 1) + [0x2E]
        #expect {
            try load(bytes)
        } throws: { error in
            (error as? WeightKitError)?.kind == .limitExceeded
        }
    }

    @Test func selfReferenceIsWalkedOnce() throws {
        // L = []; L.append(L): a cycle through the memo.
        let result = try load([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E])
        var leaves = 0
        try PickleWalker(maximumNesting: 100, classify: { _ in .skip }).walk(result.value) { _, _ in leaves += 1 }
        #expect(leaves == 0)
    }

    @Test func refusesOutOfBandBuffersAndExtensions() {
        #expect(throws: WeightKitError.self) { try load([0x80, 0x05, 0x97, 0x2E]) }
        #expect(throws: WeightKitError.self) { try load([0x80, 0x02, 0x82, 0x01, 0x2E]) }
    }
}

@Suite struct HostileFileTests {
    struct Expectation: Decodable {
        var kind: String
        var phrase: String
    }

    static let corpora = [
        "pytorch/hostile", "detectron/hostile", "mxnet/hostile", "caffe2/hostile", "malformed",
    ]

    static let cases: [(String, Expectation)] = corpora.flatMap { folder -> [(String, Expectation)] in
        let url = Fixtures.root.appendingPathComponent("\(folder)/hostile.manifest.json")
        guard let data = try? Data(contentsOf: url),
              let manifest = try? JSONDecoder().decode([String: Expectation].self, from: data)
        else { return [] }
        return manifest.sorted { $0.key < $1.key }.map { ("\(folder)/\($0.key)", $0.value) }
    }

    @Test func corporaArePresent() {
        #expect(Self.cases.count >= 30)
    }

    @Test(arguments: cases)
    func failsClearlyWithoutOutput(name: String, expectation: Expectation) throws {
        let scratch = try ScratchDirectory()
        let source = Fixtures.path(name)
        do {
            try Conversion().run(from: source, to: scratch.path("out.bin"))
            Issue.record("\(name) converted")
        } catch {
            #expect(error.kind.rawValue == expectation.kind, "\(name): \(error)")
            #expect(error.description.contains(expectation.phrase), "\(name): \(error)")
            #expect(error.file == source)
        }
        #expect(scratch.contents.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/weightkit-pwned"))
    }
}

@Suite struct Latin1TextTests {
    /// The word-at-a-time scan agrees with a byte-by-byte reading on valid and damaged text.
    @Test func countMatchesByteByByteReading() {
        func reference(_ bytes: [UInt8]) -> Int? {
            var count = 0, previousLead = false, good = true
            for byte in bytes {
                let isContinuation = byte & 0xC0 == 0x80, isLead = byte & 0xFE == 0xC2
                if (byte >= 0xC0 && !isLead) || isContinuation != previousLead { good = false }
                previousLead = isLead
                count += isContinuation ? 0 : 1
            }
            return good && !previousLead ? count : nil
        }
        let text = Array(String((0..<600).map { Character(Unicode.Scalar(UInt8(($0 * 37) % 256))) }).utf8)
        #expect(text.withUnsafeBytes(Latin1Text.countLatin1) == 600)
        for trial in 0..<300 {
            var damaged = text
            damaged[(trial * 53) % damaged.count] = UInt8((trial * 91) % 256)
            let cut = Array(damaged[..<(damaged.count - trial % 9)])
            #expect(cut.withUnsafeBytes(Latin1Text.countLatin1) == reference(cut), "trial \(trial)")
        }
    }
}
