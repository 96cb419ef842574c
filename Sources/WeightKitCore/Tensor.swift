/// A named tensor: dtype, shape and contiguous C-order little-endian bytes.
public struct Tensor: Sendable {
    /// The tensor's name, as the file or a layout gives it.
    public var name: String
    /// The element type.
    public let dtype: DType
    /// The dimensions.
    public let shape: Shape
    /// The elements' bytes: contiguous, C order, little-endian.
    public let data: TensorData

    /// Pairs `data` with a dtype and shape, checking that the byte count matches.
    ///
    /// - Parameters:
    ///   - name: the tensor's name.
    ///   - dtype: the element type.
    ///   - shape: the dimensions.
    ///   - data: the bytes, `shape.byteCount(of: dtype)` of them.
    /// - Throws: `WeightKitError` (`malformed`) when the byte count does not match the dtype and shape.
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

    /// The number of elements: the product of the dimensions.
    public var elementCount: Int { shape.elementCount }
    /// The number of bytes the elements take.
    public var byteCount: Int { data.count }
}
