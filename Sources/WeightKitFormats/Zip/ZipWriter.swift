import CLibzip
import WeightKitCore

/// Writes a new zip archive of STORED entries through libzip into an `AtomicOutputFile`. Each entry's bytes
/// are produced only when libzip writes that entry, so memory stays near the largest entry; entries can
/// start at a chosen alignment (torch aligns its storages to 64 bytes with padding in a local extra field).
package final class ZipWriter {
    private struct Pending {
        let name: String
        let producer: TensorData.Producer
    }

    private let output: AtomicOutputFile
    private let alignment: Int
    private var entries: [Pending] = []
    private var current: (index: Int, data: TensorData)?
    /// The first error an entry's producer threw; libzip only learns that a read failed.
    private var failure: WeightKitError?

    /// The extra field id torch pads with ("FB").
    private static let paddingFieldID: UInt16 = 0x4246

    package init(output: AtomicOutputFile, alignment: Int = 1) {
        self.output = output
        self.alignment = max(1, alignment)
    }

    /// Adds an entry whose bytes `producer` gives when the entry's turn comes.
    package func add(_ name: String, _ producer: TensorData.Producer) {
        entries.append(Pending(name: name, producer: producer))
    }

    package func add(_ name: String, _ bytes: [UInt8]) {
        let data = TensorData(bytes)
        add(name, TensorData.Producer(count: bytes.count) { data })
    }

    /// Writes every entry and the central directory. The output is not committed.
    package func finish() throws(WeightKitError) {
        let sink = UnsafeMutablePointer<wk_zip_sink>.allocate(capacity: 1)
        sink.initialize(to: wk_zip_sink())
        sink.pointee.descriptor = output.fileDescriptor
        defer { sink.deallocate() }
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let archive = wk_zip_create(sink, &error) else {
            throw WeightKitError(.io, "cannot start a zip archive: \(String(cString: zip_error_strerror(&error)))",
                                 file: output.destination)
        }
        var closed = false
        defer { if !closed { zip_discard(archive) } }
        let context = Unmanaged.passUnretained(self).toOpaque()
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let added = entry.name.withCString { name in
                wk_zip_add_pulled(archive, name, UInt64(index), UInt64(entry.producer.count), context,
                                  { context, index in ZipWriter.from(context)?.open(Int(index)) ?? -1 },
                                  { context, index, offset, buffer, length in
                                      guard let buffer else { return -1 }
                                      return ZipWriter.from(context)?.read(
                                          Int(index), offset: Int(offset), into: buffer, count: Int(length)) ?? -1
                                  },
                                  { context, _ in ZipWriter.from(context)?.close() })
            }
            guard added == Int64(index) else { throw archiveError(archive, "cannot add '\(entry.name)'") }
            // The local header is 30 bytes, the name, and the padding field (4 bytes of id and length, then
            // the padding), which libzip writes in that order before the data.
            var header = 30 + entry.name.utf8.count
            if alignment > 1 {
                let misalignment = (offset + header + 4) % alignment
                let padding = misalignment == 0 ? 0 : alignment - misalignment
                let zeros = [UInt8](repeating: 0, count: padding)
                let set = zeros.withUnsafeBufferPointer { buffer in
                    zip_file_extra_field_set(archive, UInt64(index), Self.paddingFieldID, UInt16(ZIP_EXTRA_FIELD_NEW),
                                             buffer.baseAddress, UInt16(padding), ZIP_FL_LOCAL)
                }
                guard set == 0 else { throw archiveError(archive, "cannot pad '\(entry.name)'") }
                header += 4 + padding
            }
            offset += header + entry.producer.count
        }
        guard zip_close(archive) == 0 else {
            if let failure { throw failure }
            throw archiveError(archive, "cannot write the zip archive")
        }
        closed = true
        if let failure { throw failure }
    }

    private func archiveError(_ archive: OpaquePointer, _ what: String) -> WeightKitError {
        WeightKitError(.io, "\(what): \(String(cString: zip_strerror(archive)))", file: output.destination)
    }

    /// libzip hands back the pointer `finish` gave it, while `finish` keeps the writer alive.
    private static func from(_ context: UnsafeMutableRawPointer?) -> ZipWriter? {
        context.map { Unmanaged<ZipWriter>.fromOpaque($0).takeUnretainedValue() }
    }

    private func open(_ index: Int) -> Int32 {
        do throws(WeightKitError) {
            current = (index, try entries[index].producer(name: entries[index].name))
            return 0
        } catch {
            failure = failure ?? error
            return -1
        }
    }

    /// Drops the entry just written; a view's pages leave resident memory, so memory stays near one entry.
    private func close() {
        current?.data.releasePages()
        current = nil
    }

    private func read(_ index: Int, offset: Int, into buffer: UnsafeMutableRawPointer, count: Int) -> Int32 {
        guard let current, current.index == index, offset >= 0, count >= 0, offset + count <= current.data.count else {
            return -1
        }
        return current.data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return count == 0 ? 0 : -1 }
            buffer.copyMemory(from: base + offset, byteCount: count)
            return 0
        }
    }
}
