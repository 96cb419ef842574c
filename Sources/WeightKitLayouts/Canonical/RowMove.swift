import WeightKitCore

/// Row operations along dimension 0, for class-order changes between frameworks.
package enum RowMove {
    private static func rowBytes(_ tensor: Tensor, rows: Int) throws(WeightKitError) -> Int {
        guard let first = tensor.shape.dimensions.first, rows >= 0, rows <= first, first > 0 else {
            throw WeightKitError(.malformed, "cannot move \(rows) rows of shape \(tensor.shape)", location: .init(tensor: tensor.name))
        }
        return tensor.byteCount / first
    }

    /// Moves the first `rows` rows to the end: Caffe2's class 0 (background) becomes the last class.
    static func moveFirstRowsToEnd(_ tensor: Tensor, rows: Int) throws(WeightKitError) -> TensorData {
        let split = try rowBytes(tensor, rows: rows) * rows
        let bytes = tensor.data.bytes
        return TensorData(Array(bytes[split...] + bytes[..<split]))
    }

    /// Foreground minus background: dimension 0 holds a background half then a foreground half of two-class
    /// softmax logits (MXNet RPNs); the result has half the rows, each the sigmoid logit of its pair.
    static func softmaxPairsToLogits(_ tensor: Tensor) throws(WeightKitError) -> (TensorData, Shape) {
        guard let rows = tensor.shape.dimensions.first, rows > 0, rows % 2 == 0, tensor.dtype.isFloatingPoint else {
            throw WeightKitError(.malformed, "softmax pairs need an even number of floating rows, not shape \(tensor.shape)",
                                 location: .init(tensor: tensor.name))
        }
        var values: [Double] = []
        values.reserveCapacity(tensor.elementCount)
        tensor.forEachScalar { values.append($0) }
        let half = values.count / 2
        var dimensions = tensor.shape.dimensions
        dimensions[0] = rows / 2
        let logits = (0..<half).map { values[half + $0] - values[$0] }
        return (try DTypeCast.encode(logits, as: tensor.dtype), try Shape(dimensions))
    }

    /// Moves the last `rows` rows to the front: the reverse of `moveFirstRowsToEnd`.
    static func moveLastRowsToFront(_ tensor: Tensor, rows: Int) throws(WeightKitError) -> TensorData {
        let split = tensor.byteCount - (try rowBytes(tensor, rows: rows) * rows)
        let bytes = tensor.data.bytes
        return TensorData(Array(bytes[split...] + bytes[..<split]))
    }

    /// `rows` rows of zeros before the tensor's own: a background class the target stores and the source
    /// lacks (torchvision's background box deltas and mask logits, which its inference never reads).
    static func prependZeroRows(_ tensor: Tensor, rows: Int) throws(WeightKitError) -> (TensorData, Shape) {
        guard let first = tensor.shape.dimensions.first, first > 0, rows >= 0 else {
            throw WeightKitError(.malformed, "cannot add rows to shape \(tensor.shape)", location: .init(tensor: tensor.name))
        }
        var dimensions = tensor.shape.dimensions
        dimensions[0] += rows
        let shape = try Shape(dimensions)
        let zeros = [UInt8](repeating: 0, count: tensor.byteCount / first * rows)
        return (TensorData(zeros + tensor.data.bytes), shape)
    }

    /// Each sigmoid logit as a two-class softmax pair, background 0 and foreground the logit: the reverse of
    /// `softmaxPairsToLogits`, exact because softmax(0, x) is sigmoid(x).
    static func logitsToSoftmaxPairs(_ tensor: Tensor) throws(WeightKitError) -> (TensorData, Shape) {
        guard let rows = tensor.shape.dimensions.first, rows > 0 else {
            throw WeightKitError(.malformed, "cannot pair the rows of shape \(tensor.shape)", location: .init(tensor: tensor.name))
        }
        var dimensions = tensor.shape.dimensions
        dimensions[0] = rows * 2
        let zeros = [UInt8](repeating: 0, count: tensor.byteCount)
        return (TensorData(zeros + tensor.data.bytes), try Shape(dimensions))
    }

    /// Removes the first `rows` rows: the background class's box deltas or mask logits.
    static func dropFirstRows(_ tensor: Tensor, rows: Int) throws(WeightKitError) -> (TensorData, Shape) {
        let split = try rowBytes(tensor, rows: rows) * rows
        var dimensions = tensor.shape.dimensions
        dimensions[0] -= rows
        return (tensor.data.slice(split..<tensor.byteCount), try Shape(dimensions))
    }
}
