import WeightKitCore

extension NumPyDType {
    /// The type code NumPy writes for `dtype` (`f4`, `i8`, `b1`), and its byte-order character: `<` for
    /// multi-byte types, `|` where order does not apply. NumPy has no bfloat16 or float8 type.
    static func code(for dtype: DType) throws(WeightKitError) -> (code: String, order: String) {
        let codes: [DType: String] = [
            .float16: "f2", .float32: "f4", .float64: "f8", .int8: "i1", .int16: "i2", .int32: "i4", .int64: "i8",
            .uint8: "u1", .uint16: "u2", .uint32: "u4", .uint64: "u8", .bool: "b1", .complex64: "c8",
            .complex128: "c16",
        ]
        guard let code = codes[dtype] else {
            throw WeightKitError(.unsupported, "NumPy has no \(dtype.rawValue) type; cast with a dtype NumPy has (float32)")
        }
        return (code, dtype.itemSize == 1 ? "|" : "<")
    }
}

/// Writes NumPy pickles as detectron2's model zoo (`{'model': {name: array}, '__author__': 'WeightKit'}`)
/// or Detectron (`{'blobs': {name: array}}`) has them, protocol 4, naming only
/// `numpy.core.multiarray._reconstruct`, `numpy.ndarray` and `numpy.dtype`, so a NumPy-only unpickler and
/// the frameworks' own loaders read them. WeightKit's `weightkit.*` metadata goes under `'weightkit'`.
package enum NumPyPickleWriter {
    package static func write(
        _ tensors: [OutputTensor], metadata: [String: String], wrapping: CheckpointWrapping = .model,
        to output: AtomicOutputFile
    ) throws(WeightKitError) {
        var pickle = PickleEmitter(protocol: 4)
        if wrapping != .bare {
            pickle.op(.emptyDict)
            pickle.mark()
            pickle.string(wrapping == .blobs ? "blobs" : wrapping == .stateDict ? "state_dict" : "model")
        }
        pickle.op(.emptyDict)
        if !tensors.isEmpty {
            pickle.mark()
            for tensor in tensors {
                pickle.string(tensor.name)
                try array(tensor, into: &pickle)
            }
            pickle.op(.setItems)
        }
        if wrapping != .bare {
            if wrapping == .model {
                pickle.string("__author__")
                pickle.string(CheckpointWrapping.author)
            }
            pickle.string(CheckpointWrapping.metadataKey)
            pickle.stringDict(CheckpointWrapping.recorded(metadata))
            pickle.op(.setItems)
        }
        for chunk in pickle.finished() {
            switch chunk {
            case .bytes(let bytes):
                try output.write(bytes)
            case .data(let name, let producer):
                try output.write(try producer(name: name))
            }
        }
    }

    /// `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` then its state, as `ndarray.__reduce__`
    /// gives it: (1, shape, dtype, fortran order, bytes).
    private static func array(_ tensor: OutputTensor, into pickle: inout PickleEmitter) throws(WeightKitError) {
        let (code, order) = try NumPyDType.code(for: tensor.dtype)
        pickle.global(PythonName("numpy.core.multiarray", "_reconstruct"))
        pickle.global(PythonName("numpy", "ndarray"))
        pickle.int(0)
        pickle.op(.tuple1)
        pickle.inlineBytes(Array("b".utf8))
        pickle.op(.tuple3)
        pickle.op(.reduce)
        pickle.mark()
        pickle.int(1)
        pickle.intTuple(tensor.shape.dimensions)
        pickle.global(PythonName("numpy", "dtype"))
        pickle.mark()
        pickle.string(code)
        pickle.bool(false)
        pickle.bool(true)
        pickle.op(.tuple)
        pickle.op(.reduce)
        pickle.mark()
        pickle.int(3)
        pickle.string(order)
        pickle.none()
        pickle.none()
        pickle.none()
        pickle.int(-1)
        pickle.int(-1)
        pickle.int(0)
        pickle.op(.tuple)
        pickle.op(.build)
        pickle.bool(false)
        pickle.bytes(try tensor.producer(), of: tensor.name)
        pickle.op(.tuple)
        pickle.op(.build)
    }
}

/// Writes `.npz` archives: one `NAME.npy` (format 1.0, C order, little-endian) per tensor, STORED, as
/// `numpy.savez` does.
package enum NpzWriter {
    package static func write(_ tensors: [OutputTensor], to output: AtomicOutputFile) throws(WeightKitError) {
        // libzip removes an archive left with no entries instead of writing one.
        guard !tensors.isEmpty else { throw WeightKitError(.unsupported, "an .npz needs at least one array") }
        let zip = ZipWriter(output: output)
        for tensor in tensors {
            // A zip member name ends at NUL (libzip takes C strings): such a name could not come back.
            guard !tensor.name.utf8.contains(0) else {
                throw WeightKitError(.unsupported, "an .npz member name cannot hold a NUL character",
                                     location: .init(tensor: tensor.name))
            }
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

extension NpyHeader {
    /// A format 1.0 header, padded with spaces to a multiple of 64 bytes and ended by a newline, as NumPy
    /// writes it.
    static func encoded(dtype: DType, dimensions: [Int]) throws(WeightKitError) -> [UInt8] {
        let (code, order) = try NumPyDType.code(for: dtype)
        let shape = dimensions.count == 1 ? "(\(dimensions[0]),)"
            : "(" + dimensions.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(order)\(code)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = magic.count + 4 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = text.utf8.count
        guard length <= Int(UInt16.max) else {
            throw WeightKitError(.unsupported, "shape \(dimensions) needs a .npy header longer than format 1.0 allows")
        }
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8)
    }
}
