import WeightKitCore

/// Writes a torch zip checkpoint as `torch.save` does: `archive/data.pkl` (protocol 2, tensors rebuilt by
/// `torch._utils._rebuild_tensor_v2` from persistent storage ids), one `archive/data/N` record per storage,
/// aligned to 64 bytes, and the `byteorder`, `version` and format records. Only names
/// `torch.load(weights_only=True)` allows appear in the pickle.
package enum TorchCheckpointWriter: WeightFileWriter {
    package static let format = WeightFormat.pytorchZip
    package static let fileExtensions = ["pth", "pt"]
    static let archive = "archive"
    static let alignment = 64

    package static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError) {
        var pickle = PickleEmitter(protocol: 2)
        var producers: [(String, TensorData.Producer)] = []
        try CheckpointWrapper(document).emit(into: &pickle) { (pickle) throws(WeightKitError) in
            try stateDict(document.tensors, into: &pickle, producers: &producers)
        }
        try write(pickle, producers, to: output)
    }

    /// The zip records: `data.pkl`, the format records, one aligned `data/N` per storage.
    private static func write(
        _ pickle: PickleEmitter, _ producers: [(String, TensorData.Producer)], to output: AtomicOutputFile
    ) throws(WeightKitError) {
        var pickle = pickle
        var pickled: [UInt8] = []
        for chunk in pickle.finished() {
            if case .bytes(let bytes) = chunk { pickled += bytes }
        }
        let zip = ZipWriter(output: output, alignment: alignment)
        zip.add("\(archive)/data.pkl", pickled)
        zip.add("\(archive)/.format_version", Array("1".utf8))
        zip.add("\(archive)/.storage_alignment", Array(String(alignment).utf8))
        zip.add("\(archive)/byteorder", Array("little".utf8))
        for (index, (name, producer)) in producers.enumerated() {
            // Checked under the tensor's name, so an error says which tensor, not which record.
            zip.add("\(archive)/data/\(index)", TensorData.Producer(count: producer.count) { () throws(WeightKitError) in
                try producer(name: name)
            })
        }
        zip.add("\(archive)/version", Array("3\n".utf8))
        try zip.finish()
    }

    /// An `OrderedDict` of the tensors, each with its own storage.
    private static func stateDict(
        _ tensors: [OutputTensor], into pickle: inout PickleEmitter, producers: inout [(String, TensorData.Producer)]
    ) throws(WeightKitError) {
        pickle.global(PythonName("collections", "OrderedDict"))
        pickle.op(.emptyTuple)
        pickle.op(.reduce)
        guard !tensors.isEmpty else { return }
        pickle.mark()
        for tensor in tensors {
            guard let storage = TorchStorageType.allCases.first(where: { $0.dtype == tensor.dtype }) else {
                throw WeightKitError(.unsupported, "torch checkpoints have no storage class for \(tensor.dtype.rawValue)",
                                     location: .init(tensor: tensor.name))
            }
            pickle.string(tensor.name)
            pickle.global(PythonName("torch._utils", "_rebuild_tensor_v2"))
            pickle.mark()
            pickle.mark()
            pickle.string("storage")
            pickle.global(PythonName("torch", storage.rawValue))
            pickle.string(String(producers.count))
            pickle.string("cpu")
            pickle.int(tensor.shape.elementCount)
            pickle.op(.tuple)
            pickle.op(.binPersistentID)
            pickle.int(0)
            pickle.intTuple(tensor.shape.dimensions)
            pickle.intTuple(try contiguousStrides(tensor.shape.dimensions, name: tensor.name))
            pickle.bool(false)
            pickle.global(PythonName("collections", "OrderedDict"))
            pickle.op(.emptyTuple)
            pickle.op(.reduce)
            pickle.op(.tuple)
            pickle.op(.reduce)
            producers.append((tensor.name, try tensor.producer()))
        }
        pickle.op(.setItems)
    }

    /// C-order strides in elements, as torch gives a contiguous tensor (a dimension of 0 counts as 1, so an
    /// empty tensor's strides can exceed its element count: they are checked, not wrapped).
    static func contiguousStrides(_ dimensions: [Int], name: String) throws(WeightKitError) -> [Int] {
        var strides = [Int](repeating: 1, count: dimensions.count)
        var step = 1
        for axis in dimensions.indices.reversed() {
            strides[axis] = step
            let (next, overflow) = step.multipliedReportingOverflow(by: max(dimensions[axis], 1))
            guard !overflow || axis == 0 else {
                throw WeightKitError(.unsupported, "shape \(dimensions) has strides past 64 bits, which torch cannot store",
                                     location: .init(tensor: name))
            }
            step = next
        }
        return strides
    }
}
