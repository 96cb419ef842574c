/// The contiguous little-endian bytes of a tensor: a view into a mapped file when the source layout
/// allows, owned bytes otherwise.
public struct TensorData: Sendable {
    private enum Backing: Sendable {
        case mapped(MappedFile, offset: Int)
        case owned([UInt8])
        /// Latin-1 text stored as UTF-8 (Python 3's spelling of bytes at pickle protocol < 3), decoded to
        /// bytes only when read, one tensor at a time.
        indirect case latin1(Latin1Text)
    }

    private let backing: Backing
    /// The number of bytes.
    public let count: Int

    /// A view of `range` in `file`; the range must lie inside the file.
    init(file: MappedFile, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= file.count, "view outside its file")
        backing = .mapped(file, offset: range.lowerBound)
        count = range.count
    }

    /// Owned bytes.
    public init(_ bytes: [UInt8]) {
        backing = .owned(bytes)
        count = bytes.count
    }

    /// Bytes spelled as validated latin-1 UTF-8 text; `count` is the number of code points.
    init(decodingLatin1 text: Latin1Text) {
        backing = .latin1(text)
        count = text.count
    }

    /// Whether these bytes are a view into a memory-mapped file rather than a copy.
    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    /// Calls `body` with the bytes; the pointer is valid only during the call.
    public func withUnsafeBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        switch backing {
        case .mapped(let file, let offset):
            return try withExtendedLifetime(file) {
                try body(UnsafeRawBufferPointer(rebasing: file.bytes[offset..<offset + count]))
            }
        case .owned(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .latin1(let text):
            return try text.decoded().withUnsafeBytes(body)
        }
    }

    /// Identifies the bytes of a view (file, offset, length), so a reader can share work done on them.
    struct ViewKey: Hashable {
        let file: ObjectIdentifier
        let offset: Int
        let count: Int
    }

    /// The view's identity; nil for owned bytes, which have no identity beyond their value.
    var viewKey: ViewKey? {
        if case .mapped(let file, let offset) = backing {
            return ViewKey(file: ObjectIdentifier(file), offset: offset, count: count)
        }
        return nil
    }

    /// The file and byte offset behind a view, for copies the kernel can do without touching the mapping.
    var fileRegion: (file: MappedFile, offset: Int)? {
        if case .mapped(let file, let offset) = backing, file.descriptor >= 0 { return (file, offset) }
        return nil
    }

    /// A copy of the bytes as an array.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The bytes of `range`, still a view when these bytes are one.
    func slice(_ range: Range<Int>) -> TensorData {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice outside its data")
        switch backing {
        case .mapped(let file, let offset):
            return TensorData(file: file, range: offset + range.lowerBound..<offset + range.upperBound)
        case .owned(let bytes):
            return TensorData(Array(bytes[range]))
        case .latin1(let text):
            return TensorData(Array(text.decoded()[range]))
        }
    }
}

/// UTF-8 text whose code points are all below 256, standing for the bytes with those values.
struct Latin1Text: Sendable {
    let utf8: TensorData
    /// Code points, which is the decoded byte count.
    let count: Int

    /// Validates `utf8` as latin-1 text (ASCII, or 0xC2/0xC3 lead bytes with a continuation) and counts it;
    /// nil if any code point is 256 or above or the UTF-8 is malformed.
    init?(utf8: TensorData) {
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

extension TensorData {
    /// Releases a mapped view's pages from resident memory (see `MappedFile.releasePages`).
    func releasePages() {
        if case .mapped(let file, let offset) = backing { file.releasePages(offset..<offset + count) }
    }
}
