import WeightKitCore

/// ONNX's `TensorProto.DataType` codes for WeightKit's dtypes.
enum ONNXElementType {
    /// The dtype of `code`; nil for types WeightKit does not hold (strings, 4-bit and 6-bit types, ...).
    static func dtype(of code: Int32) -> DType? {
        DType.allCases.first { self.code(of: $0) == code }
    }

    static func code(of dtype: DType) -> Int32? {
        switch dtype {
        case .float32: return 1
        case .uint8: return 2
        case .int8: return 3
        case .uint16: return 4
        case .int16: return 5
        case .int32: return 6
        case .int64: return 7
        case .bool: return 9
        case .float16: return 10
        case .float64: return 11
        case .uint32: return 12
        case .uint64: return 13
        case .complex64: return 14
        case .complex128: return 15
        case .bfloat16: return 16
        case .float8_e4m3fn: return 17
        case .float8_e5m2: return 19
        }
    }
}
