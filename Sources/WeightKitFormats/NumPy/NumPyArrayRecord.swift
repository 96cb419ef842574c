import WeightKitCore

/// A NumPy array or scalar as a pickle builds it, decoded without NumPy:
/// `_reconstruct(ndarray, (0,), b'b')` + BUILD `(1, shape, dtype, is_fortran, rawdata)`,
/// protocol 5's `_frombuffer(buffer, dtype, shape, order)`, and `scalar(dtype, bytes)`.
package enum NumPyArrayRecord {
    static let modules: Set<String> = [
        "numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric",
    ]

    static func isArray(_ object: PickleObject) -> Bool {
        modules.contains(object.type.module)
            && ["_reconstruct", "scalar", "_frombuffer"].contains(object.type.name)
    }

    /// The tensor the record describes, with C-order little-endian bytes.
    static func tensor(named name: String, from object: PickleObject, budget: ReadBudget) throws(WeightKitError) -> Tensor {
        let location = WeightKitError.Location(byteOffset: object.offset, tensor: name)
        do throws(WeightKitError) {
            switch object.type.name {
            case "_reconstruct":
                return try reconstructed(name, object, budget)
            case "scalar":
                guard object.arguments.count == 2, let bytes = object.arguments[1].byteData else {
                    throw WeightKitError(.malformed, "numpy scalar without (dtype, bytes)")
                }
                return try tensor(name, dtype: try dtype(object.arguments[0]), shape: [], fortran: false, data: bytes, budget)
            default:
                let arguments = object.arguments
                guard arguments.count == 4, let bytes = arguments[0].byteData, let shape = arguments[2].integers else {
                    throw WeightKitError(.malformed, "_frombuffer without (buffer, dtype, shape, order)")
                }
                return try tensor(name, dtype: try dtype(arguments[1]), shape: shape,
                                  fortran: arguments[3].text == "F", data: bytes, budget)
            }
        } catch {
            var located = error
            if located.location.byteOffset == nil { located.location.byteOffset = location.byteOffset }
            throw located.inTensor(name)
        }
    }

    private static func reconstructed(_ name: String, _ object: PickleObject, _ budget: ReadBudget) throws(WeightKitError) -> Tensor {
        guard case .global(let type)? = object.arguments.first, type == PythonName("numpy", "ndarray") else {
            throw WeightKitError(.unsupported, "only numpy.ndarray arrays are read")
        }
        guard let state = object.state?.sequence, state.count == 5 else {
            throw WeightKitError(.malformed, "numpy array without its (version, shape, dtype, fortran, data) state")
        }
        guard let shape = state[1].integers else { throw WeightKitError(.malformed, "numpy array shape is not a tuple") }
        let elementType = try dtype(state[2])
        guard let data = state[4].byteData else {
            if case .list = state[4] {
                throw WeightKitError(.unsupported, "object arrays hold Python objects, not numbers; they are refused")
            }
            throw WeightKitError(.malformed, "numpy array data is a \(state[4].kindName)")
        }
        let fortran: Bool
        switch state[3] {
        case .bool(let flag): fortran = flag
        case .int(let flag): fortran = flag != 0
        default: throw WeightKitError(.malformed, "numpy array order flag is a \(state[3].kindName)")
        }
        return try tensor(name, dtype: elementType, shape: shape, fortran: fortran, data: data, budget)
    }

    private static func tensor(
        _ name: String, dtype: NumPyDType, shape dimensions: [Int], fortran: Bool, data: TensorData,
        _ budget: ReadBudget
    ) throws(WeightKitError) -> Tensor {
        try dtype.tensor(
            named: name, dimensions: dimensions, fortranOrder: fortran, data: data, holder: "the pickle", budget: budget)
    }

    /// A `numpy.dtype(code, align, copy)` record with its BUILD state `(version, byteorder, ...)`.
    private static func dtype(_ value: PickleValue) throws(WeightKitError) -> NumPyDType {
        guard case .object(let object) = value, object.type == PythonName("numpy", "dtype"),
              let code = object.arguments.first?.text
        else {
            throw WeightKitError(.malformed, "numpy dtype is a \(value.kindName)")
        }
        var order: Character?
        if let state = object.state?.sequence {
            guard state.count >= 2 else { throw WeightKitError(.malformed, "numpy dtype state is too short") }
            if state.count > 3, !state[3].isNone {
                throw WeightKitError(.unsupported, "structured NumPy dtypes (with fields) are not supported")
            }
            order = state[1].text?.first
        }
        return try NumPyDType(code: code, byteOrder: order)
    }
}
