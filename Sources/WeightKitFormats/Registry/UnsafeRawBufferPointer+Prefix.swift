extension UnsafeRawBufferPointer {
    /// Whether these bytes hold `prefix` at `offset`.
    package func holds(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, count >= offset + prefix.count else { return false }
        return zip(prefix.indices, prefix).allSatisfy { self[offset + $0] == $1 }
    }
}
