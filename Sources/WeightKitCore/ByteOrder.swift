/// Byte-order conversion for big-endian sources.
package enum ByteOrder {
    /// `data` with every element of `itemSize` bytes reversed (complex values swap each half).
    package static func swapped(_ data: TensorData, elementSize: Int) -> TensorData {
        guard elementSize > 1 else { return data }
        var bytes = data.bytes
        bytes.withUnsafeMutableBytes { buffer in
            let count = buffer.count / elementSize
            switch elementSize {
            case 2: swapEach(buffer, count, UInt16.self)
            case 4: swapEach(buffer, count, UInt32.self)
            case 8: swapEach(buffer, count, UInt64.self)
            default:
                for index in 0..<count {
                    let start = index * elementSize
                    var low = start, high = start + elementSize - 1
                    while low < high {
                        buffer.swapAt(low, high)
                        low += 1
                        high -= 1
                    }
                }
            }
        }
        return TensorData(bytes)
    }

    private static func swapEach<Word: FixedWidthInteger>(
        _ buffer: UnsafeMutableRawBufferPointer, _ count: Int, _ type: Word.Type
    ) {
        for index in 0..<count {
            let offset = index * MemoryLayout<Word>.size
            buffer.storeBytes(
                of: buffer.loadUnaligned(fromByteOffset: offset, as: Word.self).byteSwapped, toByteOffset: offset,
                as: Word.self)
        }
    }
}
