import WeightKitCore

/// What NumPy pickles (Detectron `.pkl` files) may name.
extension PickleGlobals {
    /// NumPy arrays, dtypes and scalars, under NumPy 1's and NumPy 2's module names.
    public static let numpy: PickleGlobals = {
        var roles: [PythonName: Role] = [
            PythonName("numpy", "ndarray"): .value,
            PythonName("numpy", "dtype"): .record,
        ]
        for module in ["numpy.core.multiarray", "numpy._core.multiarray"] {
            roles[PythonName(module, "_reconstruct")] = .record
            roles[PythonName(module, "scalar")] = .record
        }
        for module in ["numpy.core.numeric", "numpy._core.numeric"] {
            roles[PythonName(module, "_frombuffer")] = .record
        }
        return PickleGlobals(roles: roles).merging(.python)
    }()
}
