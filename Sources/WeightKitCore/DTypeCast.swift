/// Casts floating-point tensors to another floating-point dtype, rounding to nearest even and keeping
/// NaN as NaN. Integer, boolean and complex tensors are left as they are.
public enum DTypeCast {
    /// The dtypes `convert --dtype` can target.
    public static let targets: [DType] = [.float32, .float16, .bfloat16]

    /// The dtype `tensor` has after casting floating tensors to `target`.
    public static func resultType(of dtype: DType, castingTo target: DType) -> DType {
        dtype.isFloatingPoint ? target : dtype
    }

    /// The bytes of `tensor` as `target`, or its own bytes when no cast applies.
    public static func cast(_ tensor: Tensor, to target: DType) throws(WeightKitError) -> TensorData {
        guard targets.contains(target) else {
            throw WeightKitError(.invalidArgument, "cannot cast to \(target.rawValue); choose float32, float16 or bfloat16")
        }
        guard tensor.dtype.isFloatingPoint, tensor.dtype != target else { return tensor.data }
        var output = [UInt8]()
        output.reserveCapacity(tensor.elementCount * target.itemSize)
        switch target {
        case .float32:
            tensor.forEachScalar { value in
                appendLittleEndian(Float(value).bitPattern, to: &output)
            }
        case .float16:
            tensor.forEachScalar { value in
                appendLittleEndian(Float16(value).bitPattern, to: &output)
            }
        case .bfloat16:
            if tensor.dtype == .float32 {
                tensor.forEachScalar { value in
                    appendLittleEndian(FloatingPointBits.bfloat16(from: Float(value)), to: &output)
                }
            } else {
                tensor.forEachScalar { value in
                    appendLittleEndian(FloatingPointBits.bfloat16(from: value), to: &output)
                }
            }
        default:
            break
        }
        return TensorData(output)
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}
