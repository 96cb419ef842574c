import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKitCore
@testable import WeightKitFormats

/// Opcodes for the attacks below, written out so each attack is exact.
struct PickleBytes {
    var bytes: [UInt8] = [0x80, 0x02]

    @discardableResult mutating func op(_ raw: [UInt8]) -> PickleBytes {
        bytes += raw
        return self
    }

    mutating func global(_ module: String, _ name: String) {
        op([0x63] + Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A])
    }

    /// BINUNICODE.
    mutating func text(_ value: String) {
        op([0x58] + Self.littleEndian(UInt32(value.utf8.count)) + Array(value.utf8))
    }

    /// BINSTRING: a Python 2 str.
    mutating func binaryString(_ raw: [UInt8]) {
        op([0x54] + Self.littleEndian(UInt32(raw.count)) + raw)
    }

    /// BININT.
    mutating func int(_ value: Int32) {
        op([0x4A] + Self.littleEndian(UInt32(bitPattern: value)))
    }

    mutating func put(_ index: UInt8) { op([0x71, index]) }
    mutating func get(_ index: UInt8) { op([0x68, index]) }

    var stopped: [UInt8] { bytes + [0x2E] }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static let mark: [UInt8] = [0x28], pop: [UInt8] = [0x30], emptyDict: [UInt8] = [0x7D], emptyList: [UInt8] = [0x5D]
    static let tuple1: [UInt8] = [0x85], reduce: [UInt8] = [0x52], setItem: [UInt8] = [0x73], appends: [UInt8] = [0x65]
    static let append: [UInt8] = [0x61], setItems: [UInt8] = [0x75], tuple: [UInt8] = [0x74]
}

/// Allowed calls charge what they build before building it: a memoised container handed to a call again
/// and again costs its items each time, and one large string referenced under many names costs once.
@Suite struct PickleCallBudgetTests {
    private func load(_ bytes: [UInt8], _ budget: ReadBudget) throws -> PickleResult {
        try PickleMachine(globals: .numpy, allowsPersistentIDs: false).load(TensorData(bytes), budget: budget)
    }

    /// A memoised list of `count` (int, 1) pairs with distinct keys, left in memo 0.
    private func pairs(_ count: Int, into pickle: inout PickleBytes) {
        pickle.op(PickleBytes.emptyList)
        pickle.put(0)
        pickle.op(PickleBytes.mark)
        for key in 0..<count {
            pickle.int(Int32(key))
            pickle.op([0x4B, 0x01, 0x86])
        }
        pickle.op(PickleBytes.appends + PickleBytes.pop)
    }

    /// `{"c0": name(L), "c1": name(L), ...}` for the list in memo 0, `calls` times.
    private func calls(_ module: String, _ name: String, _ calls: Int, into pickle: inout PickleBytes) {
        pickle.op(PickleBytes.emptyDict)
        for index in 0..<calls {
            pickle.text("c\(index)")
            pickle.global(module, name)
            pickle.get(0)
            pickle.op(PickleBytes.tuple1 + PickleBytes.reduce + PickleBytes.setItem)
        }
    }

    private func expectValuesBudget(_ bytes: [UInt8], _ phrase: String) {
        let budget = ReadBudget(.init(bytes: 512 << 20, values: 200_000, work: 256 << 20))
        #expect {
            _ = try load(bytes, budget)
        } throws: { error in
            guard let error = error as? WeightKitError else { return false }
            return error.budget == .values && error.description.contains(phrase)
        }
    }

    @Test func orderedDictOfOneMemoisedListIsChargedPerCall() {
        var pickle = PickleBytes()
        pairs(10_000, into: &pickle)
        calls("collections", "OrderedDict", 40, into: &pickle)
        expectValuesBudget(pickle.stopped, "OrderedDict of 10000 pairs")
    }

    @Test func setAndTupleOfOneMemoisedListAreChargedPerCall() {
        for (module, name) in [("builtins", "set"), ("builtins", "frozenset"), ("builtins", "tuple")] {
            var pickle = PickleBytes()
            pairs(10_000, into: &pickle)
            calls(module, name, 40, into: &pickle)
            expectValuesBudget(pickle.stopped, "\(module).\(name) of 10000 items")
        }
    }

    /// set(L), then L grown by one APPEND: the set's items are a copy from then on, charged when made.
    @Test func setThenAppendCopiesAreCharged() throws {
        var pickle = PickleBytes()
        pairs(10_000, into: &pickle)
        pickle.op(PickleBytes.emptyDict)
        for index in 0..<40 {
            pickle.text("s\(index)")
            pickle.global("builtins", "set")
            pickle.get(0)
            pickle.op(PickleBytes.tuple1 + PickleBytes.reduce + PickleBytes.setItem)
            pickle.get(0)
            pickle.op([0x4B, 0x07] + PickleBytes.append + PickleBytes.pop)
        }
        expectValuesBudget(pickle.stopped, "builtins.set of")
        let small = ReadBudget(.floor)
        var once = PickleBytes()
        pairs(10, into: &once)
        calls("builtins", "set", 1, into: &once)
        let result = try load(once.stopped, small)
        guard case .dict(let dict) = result.value, case .set(let set)? = dict["c0"] else {
            Issue.record("set(L) did not build a set")
            return
        }
        #expect(set.items.count == 10)
    }

    /// `_codecs.encode(s, 'latin1')` of a Python 2 str gives its own bytes: a memoised megabyte encoded
    /// for many names is one view, not a copy per name.
    @Test func encodingAPython2StrIsAView() throws {
        var pickle = PickleBytes()
        pickle.binaryString([UInt8](repeating: 0xE9, count: 1 << 20))
        pickle.put(0)
        pickle.op(PickleBytes.pop + PickleBytes.emptyDict)
        for index in 0..<100 {
            pickle.text("e\(index)")
            pickle.global("_codecs", "encode")
            pickle.op(PickleBytes.mark)
            pickle.get(0)
            pickle.text("latin1")
            pickle.op(PickleBytes.tuple + PickleBytes.reduce + PickleBytes.setItem)
        }
        let budget = ReadBudget(.floor)
        let result = try load(pickle.stopped, budget)
        #expect(budget.bytesUsed < 1 << 20)
        guard case .dict(let dict) = result.value, case .bytes(let data)? = dict["e99"] else {
            Issue.record("encode did not give bytes")
            return
        }
        #expect(data.count == 1 << 20)
        #expect(data.bytes.allSatisfy { $0 == 0xE9 })
    }
}
