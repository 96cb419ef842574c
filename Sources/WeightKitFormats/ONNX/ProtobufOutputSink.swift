import CProtobufC
import Glibc
import WeightKitCore

/// libprotobuf-c's `ProtobufCBuffer` over an output file: packed bytes are gathered into chunks and
/// appended to the file; the first write error stops further writes and is thrown once packing ends.
/// A large append that lies in one of `mappedFiles` (an initializer's `raw_data` pointing into the source)
/// is copied by the kernel from the file, so the source's pages never enter this process.
final class ProtobufOutputSink {
    private let output: AtomicOutputFile
    private let mappedFiles: [MappedFile]
    private var pending: [UInt8] = []
    private var failure: WeightKitError?
    private static let chunk = 1 << 20

    init(_ output: AtomicOutputFile, mappedFiles: [MappedFile] = []) {
        self.output = output
        self.mappedFiles = mappedFiles
        pending.reserveCapacity(Self.chunk)
    }

    /// Packs `message` into the file.
    func pack(_ message: UnsafePointer<ProtobufCMessage>) throws(WeightKitError) {
        // The C buffer and, right after it, the address of this sink, which the callback reads back.
        let stride = MemoryLayout<ProtobufCBuffer>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride + MemoryLayout<UnsafeRawPointer>.stride,
                                                   alignment: MemoryLayout<UnsafeRawPointer>.alignment)
        defer { raw.deallocate() }
        let buffer = raw.bindMemory(to: ProtobufCBuffer.self, capacity: 1)
        buffer.initialize(to: ProtobufCBuffer(append: Self.append))
        (raw + stride).storeBytes(of: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), as: UnsafeRawPointer.self)
        _ = withExtendedLifetime(self) { protobuf_c_message_pack_to_buffer(message, buffer) }
        flush()
        if let failure { throw failure }
    }

    private static let append: @convention(c) (UnsafeMutablePointer<ProtobufCBuffer>?, Int, UnsafePointer<UInt8>?) -> Void = {
        buffer, count, data in
        guard let buffer, let data, count > 0 else { return }
        let address = UnsafeRawPointer(buffer).load(fromByteOffset: MemoryLayout<ProtobufCBuffer>.stride, as: UnsafeRawPointer.self)
        Unmanaged<ProtobufOutputSink>.fromOpaque(address).takeUnretainedValue()
            .append(UnsafeRawBufferPointer(start: data, count: count))
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        if bytes.count >= Self.chunk {
            flush()
            if let region = region(of: bytes) {
                do { try output.write(region) } catch { failure = error }
            } else {
                write(bytes)
            }
        } else {
            pending.append(contentsOf: bytes)
            if pending.count >= Self.chunk { flush() }
        }
    }

    /// `bytes` as a view of the mapped file they lie in, if they lie in one.
    private func region(of bytes: UnsafeRawBufferPointer) -> TensorData? {
        guard let start = bytes.baseAddress else { return nil }
        for file in mappedFiles {
            guard let base = file.bytes.baseAddress, start >= base, start + bytes.count <= base + file.count else { continue }
            let offset = start - base
            return TensorData(file: file, range: offset..<offset + bytes.count)
        }
        return nil
    }

    private func flush() {
        guard !pending.isEmpty, failure == nil else { return }
        pending.withUnsafeBytes { write($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        do {
            try output.write(bytes)
        } catch {
            failure = error
        }
    }
}
