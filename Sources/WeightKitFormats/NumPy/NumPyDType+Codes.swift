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
