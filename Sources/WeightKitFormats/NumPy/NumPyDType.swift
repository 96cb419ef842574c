import WeightKitCore

/// A NumPy dtype as pickles and `.npy` headers spell it: a type code and a byte order.
package struct NumPyDType {
    let dtype: DType
    let bigEndian: Bool

    /// Parses codes such as `f4`, `<i8`, `>f8`, `|b1`, `c16`, `<b2` (ml_dtypes bfloat16 in `.npy` headers).
    init(code: String, byteOrder: Character? = nil) throws(WeightKitError) {
        var body = Substring(code)
        var order = byteOrder ?? "="
        if let first = body.first, "<>|=".contains(first) {
            order = first
            body = body.dropFirst()
        }
        guard let dtype = Self.codes[String(body)] else {
            let reason = body.hasPrefix("O")
                ? "object arrays hold Python objects, not numbers; they are refused"
                : "NumPy dtype '\(code)' is not supported"
            throw WeightKitError(.unsupported, reason)
        }
        self.dtype = dtype
        bigEndian = order == ">" && dtype.itemSize > 1
    }

    /// Type codes with their sizes, and the names `numpy.dtype('float32')` accepts.
    static let codes: [String: DType] = [
        "f2": .float16, "f4": .float32, "f8": .float64, "e": .float16, "f": .float32, "d": .float64,
        "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
        "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64,
        "b1": .bool, "?": .bool, "c8": .complex64, "c16": .complex128,
        "b2": .bfloat16,
        "float16": .float16, "float32": .float32, "float64": .float64,
        "int8": .int8, "int16": .int16, "int32": .int32, "int64": .int64,
        "uint8": .uint8, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
        "bool": .bool, "complex64": .complex64, "complex128": .complex128, "bfloat16": .bfloat16,
    ]

    /// `data` in little-endian order.
    func littleEndian(_ data: TensorData) -> TensorData {
        guard bigEndian else { return data }
        return ByteOrder.swapped(data, elementSize: dtype.isComplex ? dtype.itemSize / 2 : dtype.itemSize)
    }

    /// A tensor from NumPy array bytes in either byte order and C or Fortran (column-major) order.
    func tensor(
        named name: String, dimensions: [Int], fortranOrder: Bool, data: TensorData, holder: String,
        budget: ReadBudget
    ) throws(WeightKitError) -> Tensor {
        let shape = try Shape(dimensions)
        let expected = try shape.byteCount(of: dtype)
        guard data.count == expected else {
            throw WeightKitError(
                .malformed, "\(dtype.rawValue) \(shape) needs \(expected) bytes but \(holder) holds \(data.count)",
                location: .init(tensor: name))
        }
        if bigEndian { try budget.charge(bytes: data.count, for: "byte-swapping a big-endian array") }
        var bytes = littleEndian(data)
        if fortranOrder, dimensions.count > 1 {
            var strides: [Int] = []
            var step = 1
            for dimension in dimensions {
                strides.append(step)
                step *= dimension
            }
            bytes = try StridedView(offset: 0, size: dimensions, stride: strides)
                .materialize(bytes, itemSize: dtype.itemSize, budget: budget)
        }
        return try Tensor(name: name, dtype: dtype, shape: shape, data: bytes)
    }
}
