import WeightKitCore

/// Tensors of one repeated value, shaped and typed like another tensor.
package enum TensorFill {
    static func filled(like tensor: Tensor, value: Double) throws(WeightKitError) -> TensorData {
        do {
            return try DTypeCast.encode(repeatElement(value, count: tensor.elementCount), as: tensor.dtype)
        } catch {
            throw WeightKitError(.unsupported, "cannot fill a \(tensor.dtype.rawValue) tensor", location: .init(tensor: tensor.name))
        }
    }
}
