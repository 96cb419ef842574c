import WeightKitCore

/// Reads plain pickles of NumPy arrays: Detectron `{'blobs', 'cfg'}` files, bare `{name: array}` ImageNet
/// backbones and detectron2 model-zoo `{'model', '__author__'}` files, from Python 2 or 3, any protocol.
package enum PickleFileReader: WeightFileReader {
    package static let name = "numpy-pickle"
    package static let formats: [WeightFormat] = [.pickle]

    /// A protocol 2-5 header, or what protocols 0 and 1 (which have none) open and end with: a container or
    /// a global first, STOP last.
    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return true }
        guard let first = bytes.first, let last = bytes.last, last == UInt8(ascii: ".") else { return false }
        return [UInt8(ascii: "("), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "c")].contains(first)
    }

    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget)
        throws(WeightKitError) -> TensorCollection
    {
        let machine = PickleMachine(globals: .numpy, allowsPersistentIDs: false)
        let result = try machine.load(TensorData(file: file, range: 0..<file.count), budget: budget)
        let layout = try CheckpointContents(
            root: result.value, includeAll: options.includeAll, maximumNesting: machine.limits.maximumNesting,
            budget: budget)
        var facts = SourceFacts()
        facts.pickleProtocol = result.declaredProtocol
        return try PickledTensorBuilder(budget: budget).collection(layout, format: .pickle, facts: facts)
    }
}
