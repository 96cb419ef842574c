import WeightKitCore

/// One tensor a writer emits: its name, dtype and shape, and its bytes, produced once, when its turn comes,
/// so that memory stays near the largest tensor rather than the whole file.
public struct OutputTensor {
    public var name: String
    public var dtype: DType
    public var shape: Shape
    public var bytes: () throws(WeightKitError) -> TensorData

    public init(name: String, dtype: DType, shape: Shape, bytes: @escaping () throws(WeightKitError) -> TensorData) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An entry that writes `tensor` as it is.
    public init(_ tensor: Tensor) {
        self.init(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape) { tensor.data }
    }

    /// The entry's bytes as a producer of their announced length.
    func producer() throws(WeightKitError) -> TensorData.Producer {
        TensorData.Producer(count: try shape.byteCount(of: dtype), produce: bytes)
    }
}
