/// An element type of a tensor. The raw values are the lowercase names every output prints.
public enum DType: String, CaseIterable, Sendable, Codable {
    /// 64-bit IEEE float.
    case float64
    /// 32-bit IEEE float.
    case float32
    /// 16-bit IEEE float (half).
    case float16
    /// bfloat16: float32's exponent with a 7-bit mantissa.
    case bfloat16
    /// 8-bit float, 4 exponent and 3 mantissa bits, finite only (NaN but no infinities).
    case float8_e4m3fn
    /// 8-bit float, 5 exponent and 2 mantissa bits.
    case float8_e5m2
    /// Complex of two float32.
    case complex64
    /// Complex of two float64.
    case complex128
    /// 64-bit signed integer.
    case int64
    /// 32-bit signed integer.
    case int32
    /// 16-bit signed integer.
    case int16
    /// 8-bit signed integer.
    case int8
    /// 64-bit unsigned integer.
    case uint64
    /// 32-bit unsigned integer.
    case uint32
    /// 16-bit unsigned integer.
    case uint16
    /// 8-bit unsigned integer.
    case uint8
    /// Boolean, one byte.
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
