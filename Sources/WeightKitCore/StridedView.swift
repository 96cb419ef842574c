/// A strided view into a flat storage (offset, sizes and strides in elements), materialised as contiguous
/// C-order bytes after overflow-safe bounds checks.
package struct StridedView {
    let offset: Int
    let size: [Int]
    let stride: [Int]

    package init(offset: Int, size: [Int], stride: [Int]) {
        self.offset = offset
        self.size = size
        self.stride = stride
    }

    /// The view's bytes: a slice of `storage` when the view is already contiguous, a gathered copy otherwise,
    /// charged to `budget` before it is allocated (zero strides let a tiny storage describe a huge tensor).
    package func materialize(_ storage: TensorData, itemSize: Int, budget: ReadBudget) throws(WeightKitError) -> TensorData {
        guard size.count == stride.count else {
            throw WeightKitError(.malformed, "size \(size) and stride \(stride) differ in rank")
        }
        guard offset >= 0 else { throw WeightKitError(.malformed, "negative storage offset \(offset)") }
        guard stride.allSatisfy({ $0 >= 0 }) else { throw WeightKitError(.unsupported, "negative stride \(stride)") }
        let count = try Shape(size).elementCount
        let storageCount = storage.count / itemSize
        if count == 0 {
            guard offset <= storageCount else {
                throw WeightKitError(.malformed, "offset \(offset) lies past the storage's \(storageCount) elements")
            }
            return TensorData([])
        }
        var last = offset
        for (dimension, step) in zip(size, stride) {
            let (span, overflow) = (dimension - 1).multipliedReportingOverflow(by: step)
            let (sum, overflow2) = last.addingReportingOverflow(span)
            guard !overflow, !overflow2 else {
                throw WeightKitError(.malformed, "strides \(stride) of size \(size) overflow")
            }
            last = sum
        }
        guard last < storageCount else {
            throw WeightKitError(
                .malformed,
                "view (offset \(offset), size \(size), stride \(stride)) reaches element \(last) of a \(storageCount)-element storage")
        }
        if isContiguous {
            return storage.slice(offset * itemSize..<(offset + count) * itemSize)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow else {
            throw WeightKitError(.malformed, "view of size \(size) has more bytes than fit in 64 bits")
        }
        try budget.charge(bytes: bytes, for: "copying a strided view of size \(size)")
        return gather(storage, itemSize: itemSize, count: count)
    }

    private var isContiguous: Bool {
        var expected = 1
        for (dimension, step) in zip(size, stride).reversed() {
            if dimension != 1 && step != expected { return false }
            expected *= dimension
        }
        return true
    }

    private func gather(_ storage: TensorData, itemSize: Int, count: Int) -> TensorData {
        var output = [UInt8](repeating: 0, count: count * itemSize)
        let rank = size.count
        storage.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                guard let from = source.baseAddress, let to = destination.baseAddress else { return }
                var index = [Int](repeating: 0, count: rank)
                var element = offset
                var written = 0
                let innerSize = size[rank - 1], innerStride = stride[rank - 1]
                while written < destination.count {
                    var position = element
                    for _ in 0..<innerSize {
                        (to + written).copyMemory(from: from + position * itemSize, byteCount: itemSize)
                        written += itemSize
                        position += innerStride
                    }
                    // Advance the outer indices like an odometer.
                    var dimension = rank - 2
                    while dimension >= 0 {
                        index[dimension] += 1
                        element += stride[dimension]
                        if index[dimension] < size[dimension] { break }
                        element -= stride[dimension] * size[dimension]
                        index[dimension] = 0
                        dimension -= 1
                    }
                    if dimension < 0 { break }
                }
            }
        }
        return TensorData(output)
    }
}
