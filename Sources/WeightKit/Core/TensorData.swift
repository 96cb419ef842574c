/// The contiguous little-endian bytes of a tensor: a view into a mapped file when the source layout
/// allows, owned bytes otherwise.
public struct TensorData: Sendable {
    private enum Backing: Sendable {
        case mapped(MappedFile, offset: Int)
        case owned([UInt8])
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
        }
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
        }
    }
}
