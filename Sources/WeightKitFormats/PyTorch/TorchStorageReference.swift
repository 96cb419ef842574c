import WeightKitCore

/// What a torch persistent id names: one storage record and how to read it.
package struct TorchStorageReference {
    /// The record key (`data/<key>` in a zip, the key list in a legacy stream).
    let key: String
    /// The storage's element type; nil for an untyped (byte) storage.
    let dtype: DType?
    /// Elements of `dtype` (bytes for an untyped storage).
    let count: Int
    /// Legacy views of another storage: (element offset, element count) in the root storage `key`.
    let view: (offset: Int, count: Int)?

    var itemSize: Int { dtype?.itemSize ?? 1 }

    /// Identifies the bytes this reference resolves to: legacy views of one root storage differ.
    var cacheKey: String {
        view.map { "\(key)@\($0.offset)+\($0.count)" } ?? key
    }

    /// The storage's size in bytes.
    var byteCount: Int {
        get throws(WeightKitError) {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
            guard !overflow else { throw WeightKitError(.malformed, "storage '\(key)' of \(count) elements overflows") }
            return bytes
        }
    }

    /// Parses `('storage', <class>, key, location, numel)` and the legacy form with view metadata.
    init(persistentID id: PickleValue) throws(WeightKitError) {
        guard let fields = id.sequence, fields.count == 5 || fields.count == 6, fields[0].text == "storage" else {
            throw WeightKitError(.malformed, "persistent id is not a ('storage', class, key, location, numel) tuple")
        }
        guard case .global(let storageClass) = fields[1] else {
            throw WeightKitError(.malformed, "persistent id names a \(fields[1].kindName) as its storage class")
        }
        guard let key = fields[2].text, let count = fields[4].intValue, count >= 0 else {
            throw WeightKitError(.malformed, "persistent id has a bad key or element count")
        }
        if storageClass.name == "UntypedStorage" {
            dtype = nil
        } else if let storage = TorchStorageType(rawValue: storageClass.name) {
            guard let elementType = storage.dtype else {
                throw WeightKitError(
                    .unsupported,
                    "quantized storage \(storageClass) is not supported; dequantize the tensors before saving")
            }
            dtype = elementType
        } else {
            throw WeightKitError(.unsupported, "unknown storage class \(storageClass)")
        }
        self.key = key
        self.count = count
        if fields.count == 6, let viewFields = fields[5].sequence {
            guard viewFields.count == 3, viewFields[0].text != nil,
                  let offset = viewFields[1].intValue, let viewCount = viewFields[2].intValue,
                  offset >= 0, viewCount >= 0
            else {
                throw WeightKitError(.malformed, "persistent id has malformed view metadata")
            }
            view = (offset, viewCount)
        } else {
            view = nil
        }
    }
}
