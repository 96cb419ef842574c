/// An element type of a tensor. The raw values are the lowercase names every output prints.
public enum DType: String, CaseIterable, Sendable, Codable {
    case float64
    case float32
    case float16
    case bfloat16
    case float8_e4m3fn
    case float8_e5m2
    case complex64
    case complex128
    case int64
    case int32
    case int16
    case int8
    case uint64
    case uint32
    case uint16
    case uint8
    case bool

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float64, .int64, .uint64, .complex64: return 8
        case .complex128: return 16
        case .float32, .int32, .uint32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float8_e4m3fn, .float8_e5m2, .int8, .uint8, .bool: return 1
        }
    }

    /// Real floating-point types: the ones `--dtype` casts.
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16, .float8_e4m3fn, .float8_e5m2: return true
        default: return false
        }
    }

    /// Complex types (complex64, complex128), which WeightKit reads but never casts.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }
}
