import WeightKitCore

extension ChannelOrder {
    /// Reverses the input channels of the convolutions that see the image when the source order differs
    /// from `order`, and records the order (and the reordered pixel mean and std).
    ///
    /// - Parameters:
    ///   - collection: canonical tensors whose semantics state their channel order.
    ///   - order: the order wanted.
    ///   - structure: the network's input convolutions.
    /// - Throws: `WeightKitError` when the source's order is unknown or no input convolution takes 3 channels.
    package static func reorder(
        _ collection: inout TensorCollection, to order: ChannelOrder, structure: NetworkStructure
    ) throws(WeightKitError) {
        let semantics = collection.semantics
        guard let current = semantics.channelOrder else {
            throw WeightKitError(
                .invalidArgument,
                "the source's input channel order is not known, so it cannot be changed to \(order.rawValue)")
        }
        guard current != order else { return }
        guard let name = structure.inputConvolutions.first(where: { collection[$0] != nil }), let conv = collection[name],
              conv.shape.rank == 4, conv.shape.dimensions[1] == 3
        else {
            throw WeightKitError(.invalidArgument, "no first convolution with 3 input channels to reorder")
        }
        let dims = conv.shape.dimensions
        let plane = dims[2] * dims[3] * conv.dtype.itemSize
        var bytes = conv.data.bytes
        for output in 0..<dims[0] {
            let base = output * 3 * plane
            let first = Array(bytes[base..<base + plane])
            bytes.replaceSubrange(base..<base + plane, with: bytes[base + 2 * plane..<base + 3 * plane])
            bytes.replaceSubrange(base + 2 * plane..<base + 3 * plane, with: first)
        }
        try collection.replace(Tensor(name: name, dtype: conv.dtype, shape: conv.shape, data: TensorData(bytes)))
        collection.semantics.channelOrder = order
        collection[.channelOrderChanged] = "\(current.rawValue) -> \(order.rawValue) in \(name)"
        collection.semantics.pixelMean = semantics.pixelMean.map { $0.reversed() }
        collection.semantics.pixelStd = semantics.pixelStd.map { $0.reversed() }
    }
}
