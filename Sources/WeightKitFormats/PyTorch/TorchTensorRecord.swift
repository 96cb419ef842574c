import WeightKitCore

/// A tensor as a torch pickle describes it: a storage, an element offset, a size and strides.
package struct TorchTensorRecord {
    let storage: TorchStorageReference
    let dtype: DType
    let offset: Int
    let size: [Int]
    let stride: [Int]

    /// Whether `object` is one of torch's tensor rebuild calls.
    static func isTensor(_ object: PickleObject) -> Bool {
        object.type.module == "torch._utils" && object.type.name.hasPrefix("_rebuild_")
    }

    /// Reads `_rebuild_tensor`, `_rebuild_tensor_v2` and `_rebuild_tensor_v3` calls.
    init(_ object: PickleObject) throws(WeightKitError) {
        let arguments = object.arguments
        let location = WeightKitError.Location(byteOffset: object.offset)
        switch object.type.name {
        case "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3":
            break
        case "_rebuild_qtensor":
            throw WeightKitError(
                .unsupported, "quantized tensors are not supported; dequantize before saving", location: location)
        case "_rebuild_sparse_tensor":
            throw WeightKitError(.unsupported, "sparse tensors are not supported; save them dense", location: location)
        default:
            throw WeightKitError(.unsupported, "\(object.type) tensors are not supported", location: location)
        }
        guard arguments.count >= 4, case .persistent(let id) = arguments[0] else {
            throw WeightKitError(.malformed, "\(object.type) without a storage", location: location)
        }
        do {
            storage = try TorchStorageReference(persistentID: id)
        } catch {
            throw error.location.isEmpty ? WeightKitError(error.kind, error.reason, location: location) : error
        }
        guard let offset = arguments[1].intValue, let size = arguments[2].integers,
              let stride = arguments[3].integers
        else {
            throw WeightKitError(.malformed, "\(object.type) has a bad offset, size or stride", location: location)
        }
        if object.type.name == "_rebuild_tensor_v3" {
            guard arguments.count >= 7, case .global(let dtypeName) = arguments[6],
                  let dtype = TorchStorageType.dtypeNames[dtypeName.name]
            else {
                throw WeightKitError(.unsupported, "_rebuild_tensor_v3 with an unknown dtype", location: location)
            }
            self.dtype = dtype
        } else {
            guard let dtype = storage.dtype else {
                throw WeightKitError(.malformed, "\(object.type) of an untyped storage has no dtype", location: location)
            }
            self.dtype = dtype
        }
        self.offset = offset
        self.size = size
        self.stride = stride
    }
}
