#if WEIGHTKIT_FUZZ
@_silgen_name("LLVMFuzzerMutate")
private func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// libFuzzer's own byte-level mutations (with its dictionary), applied to a part of an input.
enum LibFuzzerBytes {
    /// Mutates `data` in place; its new length.
    static func mutate(_ data: UnsafeMutablePointer<UInt8>, size: Int, maxSize: Int) -> Int {
        libFuzzerMutate(data, size, maxSize)
    }

    /// `bytes` mutated, at most `maxSize` long; `bytes` itself when the mutation gives nothing.
    static func mutated(_ bytes: [UInt8], maxSize: Int) -> [UInt8] {
        var buffer = bytes + [UInt8](repeating: 0, count: max(0, maxSize - bytes.count, 1))
        let count = buffer.withUnsafeMutableBufferPointer { room in
            room.baseAddress.map { libFuzzerMutate($0, bytes.count, room.count) } ?? 0
        }
        return count > 0 ? Array(buffer.prefix(count)) : bytes
    }
}
#endif
