/// The contiguous little-endian bytes of a tensor: a view into a mapped file when the source layout
/// allows, owned bytes otherwise.
public struct TensorData: Sendable {
    private enum Backing: Sendable {
        case mapped(MappedFile, offset: Int)
        case owned([UInt8])
        /// Bytes kept in another encoding by the reader, decoded only when read, one tensor at a time.
        case deferred(any DeferredBytes)
    }

    private let backing: Backing
    /// The number of bytes.
    public let count: Int

    /// A view of `range` in `file`; the range must lie inside the file.
    package init(file: MappedFile, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= file.count, "view outside its file")
        backing = .mapped(file, offset: range.lowerBound)
        count = range.count
    }

    /// Owned bytes.
    ///
    /// - Parameter bytes: the tensor's bytes, contiguous and little-endian.
    public init(_ bytes: [UInt8]) {
        backing = .owned(bytes)
        count = bytes.count
    }

    /// Bytes a reader decodes only when they are read.
    package init(deferred bytes: any DeferredBytes) {
        backing = .deferred(bytes)
        count = bytes.count
    }

    /// Whether these bytes are a view into a memory-mapped file rather than a copy.
    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    /// Calls `body` with the bytes; the pointer is valid only during the call.
    ///
    /// - Parameter body: reads the bytes; deferred bytes are decoded first.
    /// - Returns: what `body` returns.
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
        case .deferred(let bytes):
            return try bytes.decoded().withUnsafeBytes(body)
        }
    }

    /// Identifies the bytes of a view (file, offset, length), so a reader can share work done on them.
    package struct ViewKey: Hashable {
        let file: ObjectIdentifier
        let offset: Int
        let count: Int
    }

    /// The view's identity; nil for owned bytes, which have no identity beyond their value.
    package var viewKey: ViewKey? {
        if case .mapped(let file, let offset) = backing {
            return ViewKey(file: ObjectIdentifier(file), offset: offset, count: count)
        }
        return nil
    }

    /// The file and byte offset behind a view, for copies the kernel can do without touching the mapping.
    package var fileRegion: (file: MappedFile, offset: Int)? {
        if case .mapped(let file, let offset) = backing, file.descriptor != nil { return (file, offset) }
        return nil
    }

    /// A copy of the bytes as an array.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The bytes of `range`, still a view when these bytes are one.
    package func slice(_ range: Range<Int>) -> TensorData {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice outside its data")
        switch backing {
        case .mapped(let file, let offset):
            return TensorData(file: file, range: offset + range.lowerBound..<offset + range.upperBound)
        case .owned(let bytes):
            return TensorData(Array(bytes[range]))
        case .deferred(let bytes):
            return TensorData(Array(bytes.decoded()[range]))
        }
    }
}

extension TensorData {
    /// Releases a mapped view's pages from resident memory (see `MappedFile.releasePages`).
    package func releasePages() {
        if case .mapped(let file, let offset) = backing { file.releasePages(offset..<offset + count) }
    }
}

extension TensorData {
    /// Bytes of a known length produced only when they are written, so a writer holds one tensor at a time.
    public struct Producer {
        /// The number of bytes `produce` must return.
        public var count: Int
        /// Makes the bytes, when the writer reaches the tensor.
        public var produce: () throws(WeightKitError) -> TensorData

        /// Creates a producer.
        ///
        /// - Parameters:
        ///   - count: the number of bytes it will produce.
        ///   - produce: makes the bytes.
        public init(count: Int, produce: @escaping () throws(WeightKitError) -> TensorData) {
            self.count = count
            self.produce = produce
        }

        /// Produces the bytes and checks their length against the announced one.
        ///
        /// - Parameter name: the tensor's name, for the error.
        /// - Returns: the bytes.
        /// - Throws: what `produce` throws, or `WeightKitError` (`malformed`) when the length differs from `count`.
        public func callAsFunction(name: String) throws(WeightKitError) -> TensorData {
            let data = try produce()
            guard data.count == count else {
                throw WeightKitError(.malformed, "produced \(data.count) bytes where \(count) were announced",
                                     location: .init(tensor: name))
            }
            return data
        }
    }
}
