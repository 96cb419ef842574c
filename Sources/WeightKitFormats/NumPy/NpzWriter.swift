import WeightKitCore

/// Writes `.npz` archives: one `NAME.npy` (format 1.0, C order, little-endian) per tensor, STORED, as
/// `numpy.savez` does.
package enum NpzWriter: WeightFileWriter {
    package static let format = WeightFormat.numpyNpz
    package static let fileExtensions = ["npz"]

    package static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError) {
        let tensors = document.tensors
        // libzip removes an archive left with no entries instead of writing one.
        guard !tensors.isEmpty else { throw WeightKitError(.unsupported, "an .npz needs at least one array") }
        let zip = ZipWriter(output: output)
        // Member names are the tensors' names, checked by `OutputNames` before the output was made.
        for tensor in tensors {
            let header = try NpyHeader.encoded(dtype: tensor.dtype, dimensions: tensor.shape.dimensions)
            let producer = try tensor.producer()
            let (size, overflow) = header.count.addingReportingOverflow(producer.count)
            guard !overflow else { throw WeightKitError(.invalidArgument, "tensor too large", location: .init(tensor: tensor.name)) }
            zip.add(tensor.name + ".npy", TensorData.Producer(count: size) { () throws(WeightKitError) in
                var bytes = header
                let data = try producer(name: tensor.name)
                bytes.reserveCapacity(size)
                data.withUnsafeBytes { bytes.append(contentsOf: $0) }
                data.releasePages()
                return TensorData(bytes)
            })
        }
        try zip.finish()
    }
}
