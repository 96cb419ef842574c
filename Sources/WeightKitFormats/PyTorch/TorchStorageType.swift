import WeightKitCore

/// torch's legacy storage classes, as pickles name them (`torch.FloatStorage`), and their dtypes.
package enum TorchStorageType: String, CaseIterable {
    case DoubleStorage, FloatStorage, HalfStorage, BFloat16Storage
    case ComplexFloatStorage, ComplexDoubleStorage
    case LongStorage, IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage
    case QInt8Storage, QUInt8Storage, QInt32Storage, QUInt4x2Storage, QUInt2x4Storage

    /// The element type, or nil for quantized storages, which WeightKit refuses.
    var dtype: DType? {
        switch self {
        case .DoubleStorage: return .float64
        case .FloatStorage: return .float32
        case .HalfStorage: return .float16
        case .BFloat16Storage: return .bfloat16
        case .ComplexFloatStorage: return .complex64
        case .ComplexDoubleStorage: return .complex128
        case .LongStorage: return .int64
        case .IntStorage: return .int32
        case .ShortStorage: return .int16
        case .CharStorage: return .int8
        case .ByteStorage: return .uint8
        case .BoolStorage: return .bool
        case .QInt8Storage, .QUInt8Storage, .QInt32Storage, .QUInt4x2Storage, .QUInt2x4Storage: return nil
        }
    }

    /// torch dtype globals (`torch.float32`, as `_rebuild_tensor_v3` names them) and their aliases.
    static let dtypeNames: [String: DType] = [
        "float64": .float64, "double": .float64, "float32": .float32, "float": .float32,
        "float16": .float16, "half": .float16, "bfloat16": .bfloat16,
        "complex64": .complex64, "cfloat": .complex64, "complex128": .complex128, "cdouble": .complex128,
        "int64": .int64, "long": .int64, "int32": .int32, "int": .int32, "int16": .int16, "short": .int16,
        "int8": .int8, "uint8": .uint8, "bool": .bool, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
        "float8_e4m3fn": .float8_e4m3fn, "float8_e5m2": .float8_e5m2,
    ]
}
