import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKitCore
@testable import WeightKitFormats

/// A container or string referenced under many names is listed, decoded and charged once, however
/// many references share it.
@Suite struct PickleSharingTests {
    private func load(_ bytes: [UInt8]) throws -> PickleResult {
        try PickleMachine(globals: .numpy, allowsPersistentIDs: false).load(TensorData(bytes), budget: ReadBudget(.floor))
    }

    /// `{"n0": ns, "n1": ns, ...}` for one `argparse.Namespace` of `attributes` attributes.
    private func sharedNamespace(attributes: Int, references: Int) -> [UInt8] {
        var pickle = PickleBytes()
        pickle.op(PickleBytes.emptyDict)
        pickle.global("argparse", "Namespace")
        pickle.op([0x29, 0x81] + PickleBytes.emptyDict + PickleBytes.mark)
        for index in 0..<attributes {
            pickle.text("a\(index)")
            pickle.op([0x4B, 0x01])
        }
        pickle.op(PickleBytes.setItems + [0x62])
        pickle.put(0)
        pickle.op(PickleBytes.pop + PickleBytes.mark)
        for index in 0..<references {
            pickle.text("n\(index)")
            pickle.get(0)
        }
        return pickle.op(PickleBytes.setItems).stopped
    }

    @Test func anObjectReferencedManyTimesIsListedOnce() throws {
        let result = try load(sharedNamespace(attributes: 500, references: 2000))
        var listings = 0, leaves = 0
        let walker = PickleWalker(maximumNesting: 100, classify: { _ in .members }, members: { object, walker throws(WeightKitError) in
            listings += 1
            guard case .dict(let state)? = object.state else { return [] }
            return try walker.named(state.entries)
        })
        try walker.walk(result.value) { _, _ in leaves += 1 }
        #expect(listings == 1)
        #expect(leaves == 500)
    }

    /// The checkpoint's own walks (weights, metadata) over the same file: they list the namespace once,
    /// so the work charged is the size of the graph, not attributes times references.
    @Test func checkpointWalksChargeTheGraphOnce() throws {
        let result = try load(sharedNamespace(attributes: 2000, references: 2000))
        let budget = ReadBudget(.floor)
        let contents = try CheckpointContents(root: result.value, includeAll: false, maximumNesting: 1000, budget: budget)
        #expect(contents.tensors.isEmpty)
        #expect(budget.workUsed < 100_000)
    }

    /// 255 metadata values that are one memoised 1 MiB string: kept as a note of its size, not 256 copies.
    @Test func aLargeStringUnderManyMetadataKeysIsNotCopied() throws {
        var pickle = PickleBytes()
        pickle.op(PickleBytes.emptyDict)
        pickle.text(String(repeating: "x", count: 1 << 20))
        pickle.put(0)
        pickle.op(PickleBytes.pop + PickleBytes.mark)
        pickle.text("small")
        pickle.text("kept")
        for index in 0..<255 {
            pickle.text("m\(index)")
            pickle.get(0)
        }
        let result = try load(pickle.op(PickleBytes.setItems).stopped)
        let budget = ReadBudget(.floor)
        let contents = try CheckpointContents(root: result.value, includeAll: false, maximumNesting: 1000, budget: budget)
        #expect(contents.metadata["m254"] == "(1048576-byte string, not shown)")
        #expect(contents.metadata["small"] == "kept")
        #expect(budget.bytesUsed < 1 << 20)
    }

    /// `meta.CLASSES` of 300 references to one 1 MiB string: no class names, and no copy of it made.
    @Test func aLargeStringAsEveryClassNameIsNoClassList() throws {
        var pickle = PickleBytes()
        pickle.op(PickleBytes.emptyDict)
        pickle.text("meta")
        pickle.op(PickleBytes.emptyDict)
        pickle.text("CLASSES")
        pickle.op(PickleBytes.emptyList)
        pickle.text(String(repeating: "c", count: 1 << 20))
        pickle.put(0)
        pickle.op(PickleBytes.append + PickleBytes.mark)
        for _ in 0..<300 { pickle.get(0) }
        pickle.op(PickleBytes.appends + PickleBytes.setItem + PickleBytes.setItem)
        let result = try load(pickle.stopped)
        let budget = ReadBudget(.floor)
        let contents = try CheckpointContents(root: result.value, includeAll: false, maximumNesting: 1000, budget: budget)
        #expect(contents.facts.classes == nil)
        #expect(budget.bytesUsed < 1 << 20)
    }
}
