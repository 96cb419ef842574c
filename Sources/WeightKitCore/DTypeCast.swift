/// Casts floating-point tensors to another floating-point dtype, rounding to nearest even and keeping
/// NaN as NaN. Integer, boolean and complex tensors are left as they are.
public enum DTypeCast {
    /// The dtypes `convert --dtype` can target.
    public static let targets: [DType] = [.float32, .float16, .bfloat16]

    /// The dtype `tensor` has after casting floating tensors to `target`.
    ///
    /// - Parameters:
    ///   - dtype: the tensor's dtype.
    ///   - target: the cast target.
    /// - Returns: `target` for a floating dtype, `dtype` itself otherwise.
    public static func resultType(of dtype: DType, castingTo target: DType) -> DType {
        dtype.isFloatingPoint ? target : dtype
    }

    /// The bytes of `tensor` as `target`, or its own bytes when no cast applies.
    ///
    /// - Parameters:
    ///   - tensor: the tensor to cast.
    ///   - target: one of `targets`.
    /// - Returns: the cast bytes; the tensor's own when it is not floating or already `target`.
    /// - Throws: `WeightKitError` (`invalidArgument`) when `target` is not in `targets`.
    public static func cast(_ tensor: Tensor, to target: DType) throws(WeightKitError) -> TensorData {
        guard targets.contains(target) else {
            throw WeightKitError(.invalidArgument, "cannot cast to \(target.rawValue); choose float32, float16 or bfloat16")
        }
        guard tensor.dtype.isFloatingPoint, tensor.dtype != target else { return tensor.data }
        var output = [UInt8]()
        output.reserveCapacity(tensor.elementCount * target.itemSize)
        tensor.forEachScalar { append($0, as: target, to: &output) }
        return TensorData(output)
    }

    /// `values` as little-endian `dtype` bytes (float64, float32, float16 or bfloat16, rounding to nearest
    /// even, NaN kept); the one place WeightKit turns numbers into floating bytes.
    ///
    /// - Parameters:
    ///   - values: the numbers, in order.
    ///   - dtype: float64, float32, float16 or bfloat16.
    /// - Returns: the encoded bytes.
    /// - Throws: `WeightKitError` (`unsupported`) for any other dtype.
    public static func encode(_ values: some Sequence<Double>, as dtype: DType) throws(WeightKitError) -> TensorData {
        guard dtype.isFloatingPoint, !dtype.isComplex, dtype.itemSize >= 2 else {
            throw WeightKitError(.unsupported, "cannot write numbers as \(dtype.rawValue)")
        }
        var output = [UInt8]()
        output.reserveCapacity(values.underestimatedCount * dtype.itemSize)
        for value in values { append(value, as: dtype, to: &output) }
        return TensorData(output)
    }

    private static func append(_ value: Double, as dtype: DType, to output: inout [UInt8]) {
        switch dtype {
        case .float64: appendLittleEndian(value.bitPattern, to: &output)
        case .float32: appendLittleEndian(Float(value).bitPattern, to: &output)
        case .float16: appendLittleEndian(Float16(value).bitPattern, to: &output)
        case .bfloat16: appendLittleEndian(FloatingPointBits.bfloat16(from: value), to: &output)
        default: break
        }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}
