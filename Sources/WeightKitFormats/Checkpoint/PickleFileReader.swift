import WeightKitCore

/// Reads plain pickles of NumPy arrays: Detectron `{'blobs', 'cfg'}` files, bare `{name: array}` ImageNet
/// backbones and detectron2 model-zoo `{'model', '__author__'}` files, from Python 2 or 3, any protocol.
package enum PickleFileReader {
    static func read(_ file: MappedFile, options: WeightFile.ReadOptions, budget: ReadBudget)
        throws(WeightKitError) -> TensorCollection
    {
        let machine = PickleMachine(globals: .numpy, allowsPersistentIDs: false)
        let result = try machine.load(TensorData(file: file, range: 0..<file.count), budget: budget)
        let layout = try CheckpointLayout(
            root: result.value, includeAll: options.includeAll, maximumNesting: machine.limits.maximumNesting,
            budget: budget)
        var metadata = ["source.pickle_protocol": String(result.declaredProtocol)]
        metadata.merge(layout.metadata) { $1 }
        return try PickledTensorBuilder(budget: budget).collection(layout, format: .pickle, metadata: metadata)
    }
}
