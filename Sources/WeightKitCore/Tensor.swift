/// A named tensor: dtype, shape and contiguous C-order little-endian bytes.
public struct Tensor: Sendable {
    public var name: String
    public let dtype: DType
    public let shape: Shape
    public let data: TensorData

    /// Pairs `data` with a dtype and shape, checking that the byte count matches.
    public init(name: String, dtype: DType, shape: Shape, data: TensorData) throws(WeightKitError) {
        let expected = try shape.byteCount(of: dtype)
        guard expected == data.count else {
            throw WeightKitError(
                .malformed,
                "\(dtype.rawValue) \(shape) needs \(expected) bytes but \(data.count) are present",
                location: .init(tensor: name))
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    public var elementCount: Int { shape.elementCount }
    public var byteCount: Int { data.count }
}
