import WeightKitCore
import WeightKitLayouts
import WeightKitVerify

extension TargetMapper {
    /// Renames `canonical` into `target` with the structure of the network its names hold.
    ///
    /// - Parameters:
    ///   - canonical: tensors under canonical names.
    ///   - target: a layout or family name.
    /// - Returns: the tensors under the target's names, converted so the target computes the same function.
    /// - Throws: `WeightKitError` when the target cannot express what the weights compute.
    public func map(_ canonical: TensorCollection, to target: String) throws(WeightKitError) -> Result {
        try map(canonical, to: target, structure: try RecognizedNetwork(canonical).structure)
    }
}

extension BatchNormFolding {
    /// Folds the norms of `collection` with the structure of the network its names hold.
    ///
    /// - Parameter collection: tensors under canonical names.
    /// - Returns: the folded collection and what was and was not folded.
    /// - Throws: `WeightKitError` when a norm's tensors disagree with its convolution's shape.
    public static func fold(_ collection: TensorCollection) throws(WeightKitError) -> Result {
        try fold(collection, structure: try RecognizedNetwork(collection).structure)
    }
}
