import WeightKitCore

/// Writes MXNet NDArray list files as `mx.nd.save` does: list magic 0x112, a reserved word, the arrays as
/// dense V2 records (CPU context), then their names.
package enum MXNetParamsWriter: WeightFileWriter {
    package static let format = WeightFormat.mxnetParams
    package static let fileExtensions = ["params"]

    package static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError) {
        let tensors = document.tensors
        var head: [UInt8] = []
        append(MXNetParamsReader.listMagic, to: &head)
        append(UInt64(0), to: &head)
        append(UInt64(tensors.count), to: &head)
        try output.write(head)
        for tensor in tensors {
            guard let flag = MXNetTypeFlag.flag(tensor.dtype) else {
                throw WeightKitError(.unsupported, "MXNet has no \(tensor.dtype.rawValue) arrays",
                                     location: .init(tensor: tensor.name))
            }
            // MXNet 1.x reads rank 0 as "no array": a scalar is written with shape (1,).
            let dimensions = tensor.shape.rank == 0 ? [1] : tensor.shape.dimensions
            // What MXNet's (and WeightKit's) reader accepts.
            guard dimensions.count <= MXNetParamsReader.maximumRank else {
                throw WeightKitError(.unsupported, "MXNet arrays have at most \(MXNetParamsReader.maximumRank) dimensions, not \(dimensions.count)",
                                     location: .init(tensor: tensor.name))
            }
            var record: [UInt8] = []
            append(MXNetParamsReader.v2Magic, to: &record)
            append(Int32(0), to: &record)
            append(Int32(dimensions.count), to: &record)
            for dimension in dimensions { append(Int64(dimension), to: &record) }
            append(Int32(1), to: &record)
            append(Int32(0), to: &record)
            append(flag, to: &record)
            try output.write(record)
            try output.write(try tensor.producer()(name: tensor.name))
        }
        var names: [UInt8] = []
        append(UInt64(tensors.count), to: &names)
        for tensor in tensors {
            append(UInt64(tensor.name.utf8.count), to: &names)
            names += Array(tensor.name.utf8)
        }
        try output.write(names)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
