import WeightKitCore

extension DType {
    /// The dtype code the safetensors format uses, or nil where it defines none (complex128).
    public var safetensorsCode: String? {
        switch self {
        case .float64: return "F64"
        case .float32: return "F32"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float8_e4m3fn: return "F8_E4M3"
        case .float8_e5m2: return "F8_E5M2"
        case .complex64: return "C64"
        case .complex128: return nil
        case .int64: return "I64"
        case .int32: return "I32"
        case .int16: return "I16"
        case .int8: return "I8"
        case .uint64: return "U64"
        case .uint32: return "U32"
        case .uint16: return "U16"
        case .uint8: return "U8"
        case .bool: return "BOOL"
        }
    }

    /// The dtype for a safetensors code, or nil for a code WeightKit does not know.
    ///
    /// - Parameter code: a safetensors dtype code (`F32`, `BF16`, `I64`, ...).
    public init?(safetensorsCode code: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsCode == code }) else { return nil }
        self = match
    }
}
