import WeightKitCore

/// Turns the tensor records of a pickle into tensors: NumPy arrays from their own bytes, torch tensors from
/// their storages. Each storage is read (and byte-swapped) once, and a record referenced under several names
/// is materialised once and shared, so references multiply names, never copies.
package struct PickledTensorBuilder {
    /// The bytes of a torch storage record, checked against the size its persistent id announces.
    var storageBytes: (TorchStorageReference) throws(WeightKitError) -> TensorData = { storage throws(WeightKitError) in
        throw WeightKitError(.malformed, "torch storage '\(storage.key)' in a file that has no storages")
    }
    var bigEndian = false
    /// The file's budget: copies (swaps, gathers, transpositions) are charged as they are made.
    let budget: ReadBudget

    func collection(
        _ layout: CheckpointContents, format: WeightFormat, facts: SourceFacts = SourceFacts()
    ) throws(WeightKitError) -> TensorCollection {
        var collection = TensorCollection(format: format, metadata: layout.metadata)
        collection.sourceFacts = facts
        collection.sourceFacts.weightsKey = layout.facts.weightsKey
        collection.sourceFacts.classes = layout.facts.classes
        collection.sourceFacts.pickledObjects = layout.facts.pickledObjects
        var storages: [String: TensorData] = [:]
        var built: [ObjectIdentifier: Tensor] = [:]
        for (name, object) in layout.tensors {
            do {
                var tensor: Tensor
                if let known = built[ObjectIdentifier(object)] {
                    tensor = known
                    tensor.name = name
                } else if NumPyArrayRecord.isArray(object) {
                    tensor = try NumPyArrayRecord.tensor(named: name, from: object, budget: budget)
                } else {
                    tensor = try torchTensor(named: name, object, storages: &storages)
                }
                built[ObjectIdentifier(object)] = tensor
                try collection.append(tensor)
            } catch {
                throw error.inTensor(name)
            }
        }
        return collection
    }

    private func torchTensor(
        named name: String, _ object: PickleObject, storages: inout [String: TensorData]
    ) throws(WeightKitError) -> Tensor {
        let record = try TorchTensorRecord(object)
        let storage: TensorData
        if let cached = storages[record.storage.cacheKey] {
            storage = cached
        } else {
            var bytes = try storageBytes(record.storage)
            if bigEndian {
                let unit = record.dtype.isComplex ? record.dtype.itemSize / 2 : record.dtype.itemSize
                try budget.charge(bytes: bytes.count, for: "byte-swapping storage '\(record.storage.key)'")
                bytes = ByteOrder.swapped(bytes, elementSize: unit)
            }
            storages[record.storage.cacheKey] = bytes
            storage = bytes
        }
        let view = StridedView(offset: record.offset, size: record.size, stride: record.stride)
        let data = try view.materialize(storage, itemSize: record.dtype.itemSize, budget: budget)
        return try Tensor(name: name, dtype: record.dtype, shape: Shape(record.size), data: data)
    }
}
