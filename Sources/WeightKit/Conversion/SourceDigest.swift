import Crypto
import Dispatch
import Glibc
import SystemPackage
import Synchronization
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// The SHA-256 of a source file, computed on another thread with `pread` into one small buffer while the
/// conversion writes, so hashing costs neither wall time nor resident memory proportional to the file.
final class SourceDigest: @unchecked Sendable {
    /// Stands in the header until the digest is known; the digest has the same length.
    static let placeholder = String(repeating: "0", count: 64)
    static let chunkSize = 4 << 20

    private let finished = DispatchSemaphore(value: 0)
    /// Set when the conversion failed: nobody will read the digest, so the hashing stops at the next chunk.
    private let abandoned = Atomic<Bool>(false)
    // Written once by the hashing thread before it signals, read only after waiting.
    private var outcome: Result<String, WeightKitError> = .failure(WeightKitError(.io, "digest not computed"))

    init(_ file: MappedFile) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            outcome = compute(file)
            finished.signal()
        }
    }

    /// Stops the hashing; for a conversion that failed before it needed the digest.
    func abandon() {
        abandoned.store(true, ordering: .relaxed)
    }

    func value() throws(WeightKitError) -> String {
        finished.wait()
        return try outcome.get()
    }

    private func compute(_ file: MappedFile) -> Result<String, WeightKitError> {
        var hasher = SHA256()
        guard let descriptor = file.descriptor else {
            hasher.update(bufferPointer: file.bytes)
            return .success(Self.hex(hasher.finalize()))
        }
        // pread rather than the mapping: hashing through the mapping was 8 % faster, but a source truncated
        // while this thread reads it then kills the process with SIGBUS; pread just comes up short.
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var offset = 0
        while offset < file.count {
            if abandoned.load(ordering: .relaxed) {
                return .failure(WeightKitError(.io, "digest abandoned", file: file.path))
            }
            let wanted = min(Self.chunkSize, file.count - offset)
            let got: Int
            do {
                got = try buffer.withUnsafeMutableBytes { bytes in
                    try descriptor.read(fromAbsoluteOffset: Int64(offset), into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<wanted]))
                }
            } catch {
                return .failure(WeightKitError(.io, "cannot read for its digest: \(error)", file: file.path))
            }
            guard got > 0 else {
                return .failure(WeightKitError(.io, "the source changed while it was read (it is shorter than when it was opened)",
                                               file: file.path))
            }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            offset += got
        }
        return .success(Self.hex(hasher.finalize()))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
