import WeightKitCore

/// mshadow's type flags, as MXNet records store them.
package enum MXNetTypeFlag {
    static func dtype(_ flag: Int32) -> DType? {
        switch flag {
        case 0: return .float32
        case 1: return .float64
        case 2: return .float16
        case 3: return .uint8
        case 4: return .int32
        case 5: return .int8
        case 6: return .int64
        case 7: return .bool
        case 8: return .int16
        case 9: return .uint16
        case 10: return .uint32
        case 11: return .uint64
        case 12: return .bfloat16
        default: return nil
        }
    }

    /// The flag MXNet stores for `dtype`; nil for types it has none for.
    static func flag(_ dtype: DType) -> Int32? {
        (0...12).map(Int32.init).first { Self.dtype($0) == dtype }
    }
}
