/// A bounds-checked little-endian cursor over untrusted bytes. Every read checks the bytes that remain
/// before touching memory and reports the offset of what was cut short.
package struct ByteReader {
    package let bytes: UnsafeRawBufferPointer
    /// The offset of `bytes` in its file, added to every offset an error reports.
    package let baseOffset: Int
    package private(set) var position: Int = 0

    package init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    package var remaining: Int { bytes.count - position }
    package var isAtEnd: Bool { position >= bytes.count }
    /// The file offset of the next byte.
    package var fileOffset: Int { baseOffset + position }

    /// Claims `count` bytes and returns their range within `bytes`.
    package mutating func take(_ count: Int, for what: @autoclosure () -> String) throws(WeightKitError) -> Range<Int> {
        guard count >= 0 else {
            throw .malformed("negative length \(count) for \(what())", at: fileOffset)
        }
        guard count <= remaining else {
            throw .truncated(
                "\(what()) needs \(count) bytes but only \(remaining) remain", at: fileOffset)
        }
        defer { position += count }
        return position..<position + count
    }

    package mutating func skip(_ count: Int, for what: @autoclosure () -> String) throws(WeightKitError) {
        _ = try take(count, for: what())
    }

    package mutating func readBytes(_ count: Int, for what: @autoclosure () -> String) throws(WeightKitError)
        -> UnsafeRawBufferPointer
    {
        let range = try take(count, for: what())
        return UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    package mutating func readUInt8(_ what: @autoclosure () -> String) throws(WeightKitError) -> UInt8 {
        let range = try take(1, for: what())
        return bytes[range.lowerBound]
    }

    package mutating func readLittleEndian<T: FixedWidthInteger>(
        _ type: T.Type, _ what: @autoclosure () -> String
    ) throws(WeightKitError) -> T {
        let range = try take(MemoryLayout<T>.size, for: what())
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self))
    }

    package mutating func readBigEndian<T: FixedWidthInteger>(
        _ type: T.Type, _ what: @autoclosure () -> String
    ) throws(WeightKitError) -> T {
        let range = try take(MemoryLayout<T>.size, for: what())
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self))
    }

    /// Reads an unsigned 64-bit length and checks it fits in `Int` before the caller uses it.
    package mutating func readLength64(_ what: @autoclosure () -> String) throws(WeightKitError) -> Int {
        let start = fileOffset
        let value = try readLittleEndian(UInt64.self, what())
        guard let length = Int(exactly: value), length < 1 << 48 else {
            throw .malformed("\(what()) of \(value) is impossibly large", at: start)
        }
        return length
    }
}
