/// Turns the tensor records of a pickle into tensors: NumPy arrays from their own bytes, torch tensors from
/// their storages, each storage read once.
struct PickledTensorBuilder {
    /// The bytes of a torch storage record, checked against the size its persistent id announces.
    var storageBytes: (TorchStorageReference) throws(WeightKitError) -> TensorData = { storage throws(WeightKitError) in
        throw WeightKitError(.malformed, "torch storage '\(storage.key)' in a file that has no storages")
    }
    var bigEndian = false

    func collection(
        _ layout: CheckpointLayout, format: WeightFormat, metadata: [String: String]
    ) throws(WeightKitError) -> TensorCollection {
        var collection = TensorCollection(format: format, metadata: metadata.merging(layout.metadata) { $1 })
        var storages: [String: TensorData] = [:]
        for (name, object) in layout.tensors {
            if NumPyArrayRecord.isArray(object) {
                try collection.append(NumPyArrayRecord.tensor(named: name, from: object))
                continue
            }
            do {
                let record = try TorchTensorRecord(object)
                let storage: TensorData
                if let cached = storages[record.storage.cacheKey] {
                    storage = cached
                } else {
                    var bytes = try storageBytes(record.storage)
                    if bigEndian {
                        let unit = record.dtype.isComplex ? record.dtype.itemSize / 2 : record.dtype.itemSize
                        bytes = ByteOrder.swapped(bytes, elementSize: unit)
                    }
                    storages[record.storage.cacheKey] = bytes
                    storage = bytes
                }
                let view = StridedView(offset: record.offset, size: record.size, stride: record.stride)
                let data = try view.materialize(storage, itemSize: record.dtype.itemSize)
                try collection.append(Tensor(name: name, dtype: record.dtype, shape: Shape(record.size), data: data))
            } catch {
                throw error.inTensor(name)
            }
        }
        return collection
    }
}
