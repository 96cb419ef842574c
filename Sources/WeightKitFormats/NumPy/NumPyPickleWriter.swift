import WeightKitCore

/// Writes NumPy pickles as detectron2's model zoo (`{'model': {name: array}, '__author__': 'WeightKit'}`)
/// or Detectron (`{'blobs': {name: array}}`) has them, protocol 4, naming only
/// `numpy.core.multiarray._reconstruct`, `numpy.ndarray` and `numpy.dtype`, so a NumPy-only unpickler and
/// the frameworks' own loaders read them. WeightKit's `weightkit.*` metadata goes under `'weightkit'`.
package enum NumPyPickleWriter: WeightFileWriter {
    package static let format = WeightFormat.pickle
    package static let fileExtensions = ["pkl"]

    package static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError) {
        var pickle = PickleEmitter(protocol: 4)
        try CheckpointWrapper(document).emit(into: &pickle) { (pickle) throws(WeightKitError) in
            pickle.op(.emptyDict)
            guard !document.tensors.isEmpty else { return }
            pickle.mark()
            for tensor in document.tensors {
                pickle.string(tensor.name)
                try array(tensor, into: &pickle)
            }
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
