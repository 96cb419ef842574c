import WeightKitCore

/// One tensor a writer emits: its name, dtype and shape, and its bytes, produced once, when its turn comes,
/// so that memory stays near the largest tensor rather than the whole file.
public struct OutputTensor {
    /// The name the tensor is written under.
    public var name: String
    /// The dtype written.
    public var dtype: DType
    /// The shape written.
    public var shape: Shape
    /// Produces the bytes when the writer reaches this tensor; they must match `dtype` and `shape`.
    public var bytes: () throws(WeightKitError) -> TensorData

    /// Creates an entry whose bytes are produced later.
    ///
    /// - Parameters:
    ///   - name: the name written.
    ///   - dtype: the dtype written.
    ///   - shape: the shape written.
    ///   - bytes: produces the bytes when the writer reaches the entry.
    public init(name: String, dtype: DType, shape: Shape, bytes: @escaping () throws(WeightKitError) -> TensorData) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An entry that writes `tensor` as it is.
    ///
    /// - Parameter tensor: the tensor, written under its own name, dtype and shape.
    public init(_ tensor: Tensor) {
        self.init(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape) { tensor.data }
    }

    /// The entry's bytes as a producer of their announced length.
    func producer() throws(WeightKitError) -> TensorData.Producer {
        TensorData.Producer(count: try shape.byteCount(of: dtype), produce: bytes)
    }
}
