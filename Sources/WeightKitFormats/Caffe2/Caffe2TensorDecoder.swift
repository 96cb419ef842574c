import CCaffe2Proto
import WeightKitCore

/// Decodes TensorProtos: every data type from the storage field Caffe2 uses for it (float_data,
/// int32_data for the narrow types, int64_data, double_data, byte_data, or little-endian raw_data).
package enum Caffe2TensorDecoder {
    static func tensor(_ proto: Caffe2__TensorProto, fallbackName: String) throws(WeightKitError) -> Tensor {
        let name = ProtobufC.string(proto.name).flatMap { $0.isEmpty ? nil : $0 } ?? fallbackName
        do {
            return try decode(proto, name: name)
        } catch {
            throw error.inTensor(name)
        }
    }

    private static func decode(_ proto: Caffe2__TensorProto, name: String) throws(WeightKitError) -> Tensor {
        if proto.segment != nil {
            throw WeightKitError(.unsupported, "segmented tensors (one chunk of a larger tensor) are not supported")
        }
        if proto.has_storage_type != 0, proto.storage_type == 3 {
            throw WeightKitError(.unsupported, "tensors stored in external files are not supported")
        }
        let shape = try Shape(ProtobufC.array(Int(proto.n_dims), proto.dims).map(Int.init))
        let typeCode = proto.has_data_type != 0 ? proto.data_type : 1
        guard let dtype = dtype(for: typeCode) else {
            throw WeightKitError(.unsupported, "Caffe2 data type \(typeCode) is not a numeric tensor type")
        }
        if proto.n_string_data > 0 {
            throw WeightKitError(.malformed, "string_data holds values for a numeric \(dtype.rawValue) tensor")
        }
        let expectedBytes = try shape.byteCount(of: dtype)
        if proto.has_raw_data != 0 {
            let raw = ProtobufC.bytes(proto.raw_data)
            guard raw.count == expectedBytes else {
                throw WeightKitError(.malformed, "raw_data holds \(raw.count) bytes; \(dtype.rawValue) \(shape) needs \(expectedBytes)")
            }
            return try Tensor(name: name, dtype: dtype, shape: shape, data: TensorData(raw))
        }
        let bytes = try fieldBytes(proto, dtype: dtype, typeCode: typeCode, shape: shape)
        return try Tensor(name: name, dtype: dtype, shape: shape, data: TensorData(bytes))
    }

    /// The little-endian bytes of the values in the typed field Caffe2 uses for `dtype`, whose count must be
    /// the shape's: the shape is only a claim until the values are counted, so nothing is reserved before.
    private static func fieldBytes(
        _ proto: Caffe2__TensorProto, dtype: DType, typeCode: Int32, shape: Shape
    ) throws(WeightKitError) -> [UInt8] {
        var bytes: [UInt8] = []
        func counted(_ found: Int, _ field: String) throws(WeightKitError) {
            guard found == shape.elementCount else {
                throw WeightKitError(.malformed, "\(field) holds \(found) values for shape \(shape) (\(shape.elementCount) elements)")
            }
            bytes.reserveCapacity(try shape.byteCount(of: dtype))
        }
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        switch dtype {
        case .float32:
            let values = ProtobufC.array(Int(proto.n_float_data), proto.float_data)
            try counted(values.count, "float_data")
            values.forEach { append($0.bitPattern) }
        case .float64:
            let values = ProtobufC.array(Int(proto.n_double_data), proto.double_data)
            try counted(values.count, "double_data")
            values.forEach { append($0.bitPattern) }
        case .int64:
            let values = ProtobufC.array(Int(proto.n_int64_data), proto.int64_data)
            try counted(values.count, "int64_data")
            values.forEach { append($0) }
        case .uint8 where typeCode == 3:
            let data = proto.has_byte_data != 0 ? ProtobufC.bytes(proto.byte_data) : []
            try counted(data.count, "byte_data")
            bytes = data
        default:
            let values = ProtobufC.array(Int(proto.n_int32_data), proto.int32_data)
            try counted(values.count, "int32_data")
            for value in values { appendNarrow(value, as: dtype, to: &bytes) }
        }
        return bytes
    }

    /// A value of a type Caffe2 keeps in int32_data, in its own width.
    private static func appendNarrow(_ value: Int32, as dtype: DType, to bytes: inout [UInt8]) {
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        switch dtype {
        case .int32: append(value)
        case .float16, .uint16: append(UInt16(truncatingIfNeeded: value))
        case .int16: append(Int16(truncatingIfNeeded: value))
        case .int8: append(Int8(truncatingIfNeeded: value))
        case .bool: bytes.append(value != 0 ? 1 : 0)
        default: append(UInt8(truncatingIfNeeded: value))
        }
    }

    static func dtype(for code: Int32) -> DType? {
        switch code {
        case 1: return .float32
        case 2: return .int32
        case 3: return .uint8
        case 5: return .bool
        case 6: return .uint8
        case 7: return .int8
        case 8: return .uint16
        case 9: return .int16
        case 10: return .int64
        case 12: return .float16
        case 13: return .float64
        default: return nil
        }
    }
}
