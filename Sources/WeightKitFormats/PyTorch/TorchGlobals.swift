import WeightKitCore

/// What torch.save and TorchScript pickles may name: the pickle machine's allow-list for torch files.
extension PickleGlobals {
    /// torch.save checkpoints: rebuild functions, storage classes, dtypes, Size, device.
    public static let torch: PickleGlobals = {
        var roles: [PythonName: Role] = [
            PythonName("torch._utils", "_rebuild_tensor"): .record,
            PythonName("torch._utils", "_rebuild_tensor_v2"): .record,
            PythonName("torch._utils", "_rebuild_tensor_v3"): .record,
            PythonName("torch._utils", "_rebuild_parameter"): .parameter,
            PythonName("torch._utils", "_rebuild_parameter_with_state"): .parameter,
            PythonName("torch._utils", "_rebuild_qtensor"): .record,
            PythonName("torch._utils", "_rebuild_sparse_tensor"): .record,
            PythonName("torch._utils", "_rebuild_device_tensor_from_numpy"): .record,
            PythonName("torch._utils", "_rebuild_meta_tensor_no_storage"): .record,
            PythonName("torch._utils", "_rebuild_wrapper_subclass"): .record,
            PythonName("torch._tensor", "_rebuild_from_type_v2"): .rebuildFromType,
            PythonName("torch._tensor", "_rebuild_from_type"): .rebuildFromType,
            PythonName("torch", "Size"): .tuple,
            PythonName("torch", "device"): .record,
            PythonName("torch", "Tensor"): .value,
            PythonName("torch.nn.parameter", "Parameter"): .value,
            PythonName("torch.storage", "UntypedStorage"): .value,
            PythonName("torch", "UntypedStorage"): .value,
            PythonName("torch", "per_tensor_affine"): .value,
            PythonName("torch", "per_channel_affine"): .value,
            PythonName("torch", "per_channel_affine_float_qparams"): .value,
            // mmengine's training state (`message_hub`): HistoryBuffer objects whose statistics methods are
            // pickled as getattr(HistoryBuffer, 'min'), and Counters. Recorded as inert objects, never called;
            // the tensors beside them are what a reader takes.
            PythonName("mmengine.logging.history_buffer", "HistoryBuffer"): .record,
            PythonName("builtins", "getattr"): .record,
            PythonName("collections", "Counter"): .record,
        ]
        for storage in TorchStorageType.allCases {
            roles[PythonName("torch", storage.rawValue)] = .value
        }
        for dtype in TorchStorageType.dtypeNames.keys {
            roles[PythonName("torch", dtype)] = .value
        }
        return PickleGlobals(roles: roles).merging(.python).merging(.numpy)
    }()

    /// TorchScript archives: torch's list plus `__torch__` module classes and `torch.jit._pickle` helpers.
    public static let torchScript: PickleGlobals = {
        var roles: [PythonName: Role] = [:]
        for helper in ["build_intlist", "build_tensorlist", "build_doublelist", "build_boollist",
                       "build_complexlist", "restore_type_tag"] {
            roles[PythonName("torch.jit._pickle", helper)] = .firstArgument
        }
        return PickleGlobals(roles: roles, recordModulePrefixes: ["__torch__"]).merging(.torch)
    }()
}
