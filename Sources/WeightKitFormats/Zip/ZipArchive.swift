import CLibzip
import WeightKitCore

/// A zip archive read through libzip from a mapped file. STORED entries come back as zero-copy views into
/// the mapping; compressed entries are inflated under a size cap.
package final class ZipArchive {
    package struct Entry {
        let index: UInt64
        package let name: String
        package let size: Int
        let compressedSize: Int
        let isStored: Bool
        let isEncrypted: Bool
    }

    let file: MappedFile
    /// The budget of the read this archive belongs to: inflated bytes are drawn from it, so entries that
    /// each pass the compression-ratio check cannot add up past it.
    let budget: ReadBudget
    package private(set) var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]
    private let memory: UnsafeMutablePointer<wk_zip_memory>
    private let archive: OpaquePointer

    /// Opens the archive with libzip's consistency checks (central directory against local headers).
    package init(file: MappedFile, budget: ReadBudget) throws(WeightKitError) {
        self.file = file
        self.budget = budget
        memory = .allocate(capacity: 1)
        memory.initialize(to: wk_zip_memory())
        memory.pointee.bytes = file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        memory.pointee.length = UInt64(file.count)
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let opened = wk_zip_open_memory(memory, ZIP_RDONLY | ZIP_CHECKCONS, &error) else {
            memory.deallocate()
            if zip_error_code_zip(&error) == ZIP_ER_EXISTS {
                throw WeightKitError(.malformed, "a zip entry name appears twice in the archive")
            }
            // A zip is read from its end (the central directory): one that starts like a zip but has no
            // end is a file cut short.
            let startsLikeZip = file.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
            // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
            let tail = file.bytes.suffix(65_557)
            let hasEnd = tail.indices.dropLast(3).contains { index in
                tail[index] == 0x50 && tail[index + 1] == 0x4B && tail[index + 2] == 0x05 && tail[index + 3] == 0x06
            }
            if zip_error_code_zip(&error) == ZIP_ER_NOZIP, startsLikeZip, !hasEnd {
                throw WeightKitError(.truncated, "the zip archive has no central directory at its end; \(WeightKitError.endsEarly)")
            }
            throw WeightKitError(.malformed, "not a readable zip archive: \(String(cString: zip_error_strerror(&error)))")
        }
        archive = opened
        do {
            entries = try readEntries()
            for (index, entry) in entries.enumerated() { indexByName[entry.name] = index }
        } catch {
            zip_discard(archive)
            memory.deallocate()
            throw error
        }
    }

    deinit {
        zip_discard(archive)
        memory.deallocate()
    }

    private func libzipError() -> String {
        String(cString: zip_strerror(archive))
    }

    private func readEntries() throws(WeightKitError) -> [Entry] {
        let count = zip_get_num_entries(archive, 0)
        guard count >= 0 else { throw WeightKitError(.malformed, "cannot count zip entries: \(libzipError())") }
        try budget.charge(values: Int(count), for: "\(count) zip entries")
        var entries: [Entry] = []
        var names = Set<String>()
        for index in 0..<UInt64(count) {
            var status = zip_stat_t()
            zip_stat_init(&status)
            guard zip_stat_index(archive, index, ZIP_FL_ENC_RAW, &status) == 0, let rawName = status.name else {
                throw WeightKitError(.malformed, "zip entry \(index) is unreadable: \(libzipError())")
            }
            let name = String(decoding: UnsafeRawBufferPointer(start: rawName, count: strlen(rawName)), as: UTF8.self)
            guard names.insert(name).inserted else {
                throw WeightKitError(.malformed, "zip entry name appears twice", location: .init(entry: name))
            }
            guard let size = Int(exactly: status.size), let compressed = Int(exactly: status.comp_size) else {
                throw WeightKitError(.malformed, "zip entry size out of range", location: .init(entry: name))
            }
            entries.append(Entry(
                index: index, name: name, size: size, compressedSize: compressed,
                isStored: status.comp_method == ZIP_CM_STORE,
                isEncrypted: status.encryption_method != ZIP_EM_NONE))
        }
        return entries
    }

    func entry(named name: String) -> Entry? {
        indexByName[name].map { entries[$0] }
    }

    /// The bytes of `entry`: a view into the mapping when stored, inflated otherwise. `limit` caps the
    /// uncompressed size, so an archive claiming (or inflating to) more fails instead of exhausting memory.
    package func data(of entry: Entry, limit: Int) throws(WeightKitError) -> TensorData {
        let location = WeightKitError.Location(entry: entry.name)
        guard !entry.isEncrypted else {
            throw WeightKitError(.unsupported, "encrypted zip entries are not supported", location: location)
        }
        guard entry.size <= limit else {
            throw WeightKitError(
                .limitExceeded, "entry holds \(entry.size) bytes, more than the \(limit) expected", location: location)
        }
        if entry.size == 0 { return TensorData([]) }
        if entry.isStored {
            guard entry.compressedSize == entry.size else {
                throw WeightKitError(.malformed, "stored entry sizes disagree", location: location)
            }
            var error = zip_error_t()
            zip_error_init(&error)
            defer { zip_error_fini(&error) }
            let offset = wk_zip_data_offset(archive, memory, entry.index, &error)
            guard offset >= 0, let start = Int(exactly: offset) else {
                throw WeightKitError(
                    .malformed, "cannot locate the entry's data: \(String(cString: zip_error_strerror(&error)))",
                    location: location)
            }
            let (end, overflow) = start.addingReportingOverflow(entry.size)
            guard !overflow, end <= file.count else {
                throw WeightKitError(.truncated, "entry data runs past the end of the file", location: location)
            }
            return TensorData(file: file, range: start..<end)
        }
        return try inflate(entry, limit: limit)
    }

    /// The first `count` bytes of `entry` (fewer if it is shorter), inflated when compressed: enough to tell
    /// what the entry holds without reading it all.
    func prefix(of entry: Entry, count: Int) -> [UInt8] {
        guard !entry.isEncrypted, let handle = zip_fopen_index(archive, entry.index, 0) else { return [] }
        defer { zip_fclose(handle) }
        var buffer = [UInt8](repeating: 0, count: min(count, max(entry.size, 0)))
        guard !buffer.isEmpty else { return [] }
        let got = buffer.withUnsafeMutableBytes { zip_fread(handle, $0.baseAddress, UInt64($0.count)) }
        return got > 0 ? Array(buffer.prefix(Int(got))) : []
    }

    /// DEFLATE cannot expand data more than about 1032 times; a larger claim is a lie or a bomb.
    static let maximumExpansion = 1032

    private func inflate(_ entry: Entry, limit: Int) throws(WeightKitError) -> TensorData {
        let location = WeightKitError.Location(entry: entry.name)
        // The compressed bytes lie inside the file, whatever the directory claims, so the file bounds them.
        let compressed = min(entry.compressedSize, file.count)
        let (bound, overflow) = compressed.multipliedReportingOverflow(by: Self.maximumExpansion)
        guard !overflow, entry.size <= bound + 1024 else {
            throw WeightKitError(
                .limitExceeded,
                "entry claims \(entry.size) bytes from \(entry.compressedSize) compressed: more than compression allows",
                location: location)
        }
        try budget.charge(bytes: entry.size, for: "inflating \(entry.size) bytes")
        guard let handle = zip_fopen_index(archive, entry.index, 0) else {
            throw WeightKitError(.malformed, "cannot open entry: \(libzipError())", location: location)
        }
        defer { zip_fclose(handle) }
        var output = [UInt8](repeating: 0, count: entry.size)
        var filled = 0
        while filled < output.count {
            let got = output.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { zip_fread(handle, $0 + filled, UInt64(buffer.count - filled)) } ?? -1
            }
            guard got > 0 else {
                let reason = got < 0 ? String(cString: zip_file_strerror(handle)) : "data ends early"
                throw WeightKitError(.malformed, "cannot inflate entry: \(reason)", location: location)
            }
            filled += Int(got)
        }
        var extra: UInt8 = 0
        guard zip_fread(handle, &extra, 1) == 0 else {
            throw WeightKitError(
                .malformed, "entry inflates to more than its declared \(entry.size) bytes", location: location)
        }
        return TensorData(output)
    }
}
