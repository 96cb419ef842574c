import CONNXProto
import CProtobufC
import WeightKitCore

/// One ONNX TensorProto as a tensor: its bytes from `raw_data`, from the typed field its data type is kept
/// in, or from a file beside the model (`external_data`).
enum ONNXTensorDecoder {
    /// ONNX allows any rank; the limit is checked before the dimensions are even copied.
    static let maximumRank = WeightFormat.onnx.rankLimit.rank

    static func tensor(_ proto: Onnx__TensorProto, fallbackName: String, external: ONNXExternalData, budget: ReadBudget) throws(WeightKitError)
        -> Tensor
    {
        let name = ProtobufC.string(proto.name).flatMap { $0.isEmpty ? nil : $0 } ?? fallbackName
        guard let dtype = ONNXElementType.dtype(of: proto.data_type) else {
            throw WeightKitError(.unsupported, "has ONNX data type \(proto.data_type), which WeightKit does not read", location: .init(tensor: name))
        }
        guard proto.n_dims <= maximumRank else {
            throw WeightKitError(.malformed, "has \(proto.n_dims) dimensions, more than the \(maximumRank) PyTorch allows",
                                 location: .init(tensor: name))
        }
        let dimensions = ProtobufC.array(Int(proto.n_dims), proto.dims).map(Int.init)
        guard dimensions.allSatisfy({ $0 >= 0 }) else {
            throw WeightKitError(.malformed, "has a negative dimension in \(dimensions)", location: .init(tensor: name))
        }
        guard proto.segment == nil else {
            throw WeightKitError(.unsupported, "is one segment of a larger tensor, which WeightKit does not join", location: .init(tensor: name))
        }
        let shape = try Shape(dimensions)
        let byteCount = try shape.byteCount(of: dtype)
        let data: TensorData
        do throws(WeightKitError) {
            if proto.has_data_location != 0, proto.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
                data = try external.bytes(proto, count: byteCount)
            } else if proto.has_raw_data != 0 {
                guard proto.raw_data.len == byteCount else {
                    throw WeightKitError(.malformed, "raw_data holds \(proto.raw_data.len) bytes; \(dtype) \(shape) needs \(byteCount)")
                }
                try budget.charge(bytes: byteCount, for: "an initializer's bytes")
                data = TensorData(ProtobufC.bytes(proto.raw_data))
            } else {
                data = try typedValues(proto, dtype: dtype, count: shape.elementCount, byteCount: byteCount, budget: budget)
            }
        } catch {
            throw error.inTensor(name)
        }
        return try Tensor(name: name, dtype: dtype, shape: shape, data: data)
    }

    /// The values of the typed field `dtype` is kept in (onnx.proto: float16 and bfloat16 as bits in
    /// `int32_data`, uint32 in `uint64_data`, complex as pairs), as little-endian bytes.
    private static func typedValues(
        _ proto: Onnx__TensorProto, dtype: DType, count: Int, byteCount: Int, budget: ReadBudget
    ) throws(WeightKitError) -> TensorData {
        // Complex elements are stored as pairs; the shape's byte count already fits, so their number does.
        let stored = dtype == .complex64 || dtype == .complex128 ? byteCount / (dtype.itemSize / 2) : count
        var bytes: [UInt8] = []
        func take<Value>(_ values: UnsafeBufferPointer<Value>, _ field: String, _ encode: (Value) -> Void) throws(WeightKitError) {
            guard values.count == stored else {
                throw WeightKitError(.malformed, "\(field) holds \(values.count) values; \(count) elements need \(stored)")
            }
            try budget.charge(bytes: byteCount, for: "an initializer's values")
            bytes.reserveCapacity(byteCount)
            for value in values { encode(value) }
        }
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        switch dtype {
        case .float32, .complex64:
            try take(ProtobufC.array(Int(proto.n_float_data), proto.float_data), "float_data") { append($0.bitPattern) }
        case .float64, .complex128:
            try take(ProtobufC.array(Int(proto.n_double_data), proto.double_data), "double_data") { append($0.bitPattern) }
        case .int64:
            try take(ProtobufC.array(Int(proto.n_int64_data), proto.int64_data), "int64_data") { append($0) }
        case .uint32, .uint64:
            try take(ProtobufC.array(Int(proto.n_uint64_data), proto.uint64_data), "uint64_data") { value in
                dtype == .uint32 ? append(UInt32(truncatingIfNeeded: value)) : append(value)
            }
        case .int32, .int16, .uint16, .float16, .bfloat16, .int8, .uint8, .bool, .float8_e4m3fn, .float8_e5m2:
            try take(ProtobufC.array(Int(proto.n_int32_data), proto.int32_data), "int32_data") { value in
                switch dtype.itemSize {
                case 4: append(value)
                case 2: append(UInt16(truncatingIfNeeded: value))
                default: bytes.append(UInt8(truncatingIfNeeded: value))
                }
            }
        }
        return TensorData(bytes)
    }
}
