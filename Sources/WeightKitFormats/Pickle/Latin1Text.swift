import WeightKitCore

/// UTF-8 text whose code points are all below 256, standing for the bytes with those values.
struct Latin1Text: DeferredBytes {
    let utf8: TensorData
    /// Code points, which is the decoded byte count.
    let count: Int

    /// Validates `utf8` as latin-1 text (ASCII, or 0xC2/0xC3 lead bytes with a continuation) and counts it;
    /// nil if any code point is 256 or above or the UTF-8 is malformed.
    package init?(utf8: TensorData) {
        guard let counted = utf8.withUnsafeBytes(Self.countLatin1) else { return nil }
        self.utf8 = utf8
        self.count = counted
        utf8.releasePages()
    }

    /// The code points of latin-1 text in UTF-8 (ASCII, or 0xC2/0xC3 then one continuation byte), or nil
    /// if the bytes are anything else. Eight bytes at a time: exact per-byte masks of continuations, leads
    /// and high bytes; each continuation must follow a lead (the lead mask shifted by one byte).
    static func countLatin1(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        func zeroBytes(_ t: UInt64) -> UInt64 { ~(((t & low) &+ low) | t | low) }
        var count = 0, bad: UInt64 = 0, carry: UInt64 = 0
        let words = bytes.count / 8
        for index in 0..<words {
            let x = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            let continuation = zeroBytes((x & (0xC0 &* ones)) ^ (0x80 &* ones))
            let lead = zeroBytes((x & (0xFE &* ones)) ^ (0xC2 &* ones))
            let high = zeroBytes((x & (0xC0 &* ones)) ^ (0xC0 &* ones))
            bad |= (high & ~lead) | (continuation ^ ((lead << 8) | carry))
            carry = lead >> 56
            count &+= 8 - continuation.nonzeroBitCount
        }
        var previousLead = carry != 0
        for offset in words * 8..<bytes.count {
            let byte = bytes[offset]
            let isContinuation = byte & 0xC0 == 0x80, isLead = byte & 0xFE == 0xC2
            if (byte >= 0xC0 && !isLead) || isContinuation != previousLead { bad = 1 }
            previousLead = isLead
            count += isContinuation ? 0 : 1
        }
        return bad == 0 && !previousLead ? count : nil
    }

    func decoded() -> [UInt8] {
        defer { utf8.releasePages() }
        return utf8.withUnsafeBytes { bytes in
            [UInt8](unsafeUninitializedCapacity: count + 1) { output, written in
                // Every byte writes a candidate at the current slot; a lead byte does not advance, so its
                // continuation overwrites the slot with the completed value and then advances.
                var out = 0
                var lead: UInt8 = 0
                for byte in bytes {
                    let isContinuation = byte & 0xC0 == 0x80
                    output[out] = isContinuation ? (lead & 0x03) << 6 | (byte & 0x3F) : byte
                    out += isContinuation || byte < 0x80 ? 1 : 0
                    lead = byte
                }
                written = min(out, count)
            }
        }
    }
}
