import Glibc
import SystemPackage

/// An output that appears under its destination's name complete or not at all.
///
/// The bytes go to an unnamed file in the destination's folder (`O_TMPFILE`), which the kernel removes by
/// itself if the process dies, whatever the signal; `commit()` links it into place. Without `overwrite` the
/// link fails if the destination appeared meanwhile, so two runs racing for one new name cannot both win.
/// Where the filesystem has no unnamed files, a hidden temporary beside the destination is used instead and
/// removed on failure and on the signals the command line handles. A failed write (a full disk, a
/// read-only filesystem) discards everything written.
public final class AtomicOutputFile {
    /// The path the finished file gets.
    public let destination: String
    /// The hidden temporary file's path, when the filesystem needed one and it still exists.
    public private(set) var temporaryPath: String?
    private var descriptor: FileDescriptor?
    let overwrite: Bool
    /// The destination's folder and file name.
    let directoryPath: String
    let baseName: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0
    /// The open file, for writers that place bytes at positions of their own (libzip); -1 once committed.
    package var fileDescriptor: Int32 { descriptor?.rawValue ?? -1 }

    /// `O_TMPFILE`: `__O_TMPFILE` (the same on every Linux architecture) with `O_DIRECTORY`.
    private static let unnamed = FileDescriptor.OpenOptions(rawValue: Int32(0o20000000) | O_DIRECTORY)

    /// Creates the unnamed file.
    ///
    /// - Parameters:
    ///   - destination: the path the finished file gets.
    ///   - overwrite: whether an existing file there may be replaced.
    /// - Throws: `WeightKitError` if `destination` exists and `overwrite` is false, names a folder, or its
    ///   folder does not exist or cannot be written.
    public init(destination: String, overwrite: Bool) throws(WeightKitError) {
        self.destination = destination
        self.overwrite = overwrite
        if !overwrite, access(destination, F_OK) == 0 {
            throw WeightKitError(.outputExists, "output exists", file: destination)
        }
        (directoryPath, baseName) = Self.split(destination)
        guard !baseName.isEmpty else {
            throw WeightKitError(.invalidArgument, "output path names a folder, not a file", file: destination)
        }
        do {
            descriptor = try FileDescriptor.open(FilePath(directoryPath), .writeOnly, options: [Self.unnamed, .closeOnExec],
                                                 permissions: FilePermissions(rawValue: 0o666))
        } catch let error as Errno where error == .notSupported || error == .isDirectory || error == .invalidArgument {
            try createTemporary()
        } catch {
            throw Self.creationError(error, directory: directoryPath, destination: destination)
        }
    }

    private static func split(_ destination: String) -> (directory: String, base: String) {
        guard let slash = destination.lastIndex(of: "/") else { return (".", destination) }
        let directory = String(destination[..<slash])
        return (directory.isEmpty ? "/" : directory, String(destination[destination.index(after: slash)...]))
    }

    /// A hidden temporary beside the destination, for filesystems without unnamed files.
    private func createTemporary() throws(WeightKitError) {
        var template = Array("\(directoryPath)/.\(baseName).weightkit-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard created >= 0 else {
            throw Self.creationError(Errno(rawValue: errno), directory: directoryPath, destination: destination)
        }
        descriptor = FileDescriptor(rawValue: created)
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TemporaryFileRegistry.shared.insert(temporaryPath)
        let mask = umask(0)
        umask(mask)
        fchmod(created, 0o666 & ~mask)
    }

    private static func creationError(_ error: Error, directory: String, destination: String) -> WeightKitError {
        if let code = error as? Errno, code == .noSuchFileOrDirectory || code == .notDirectory {
            return WeightKitError(.io, "the output folder '\(directory)' does not exist", file: destination)
        }
        return WeightKitError(.io, "cannot create the output in '\(directory)': \(error)", file: destination)
    }

    deinit {
        discard()
    }

    private func open() throws(WeightKitError) -> FileDescriptor {
        guard let descriptor else { throw WeightKitError(.io, "output already committed or discarded", file: destination) }
        return descriptor
    }

    private func writeError(_ error: Error) -> WeightKitError {
        if let code = error as? Errno, code == .noSpace || code == .readOnlyFileSystem || code == .fileTooLarge {
            return WeightKitError(.io, "write failed (\(code)); nothing was written", file: destination)
        }
        return WeightKitError(.io, "write failed: \(error)", file: destination)
    }

    /// Appends `bytes`, retrying short and interrupted writes.
    ///
    /// - Parameter bytes: the bytes to append.
    /// - Throws: `WeightKitError` (`io`) when the write fails or the file was already committed or discarded.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(WeightKitError) {
        let file = try open()
        do {
            _ = try file.writeAll(bytes)
        } catch {
            throw writeError(error)
        }
        bytesWritten += bytes.count
    }

    /// Appends `bytes`.
    ///
    /// - Parameter bytes: the bytes to append.
    /// - Throws: `WeightKitError` (`io`) when the write fails or the file was already committed or discarded.
    public func write(_ bytes: [UInt8]) throws(WeightKitError) {
        do {
            try bytes.withUnsafeBytes { try write($0) }
        } catch {
            throw .recovered(from: error)
        }
    }

    /// Appends `data`; bytes of a mapped file are copied by the kernel (sendfile), so they never enter
    /// this process's memory.
    ///
    /// - Parameter data: the tensor bytes to append.
    /// - Throws: `WeightKitError` (`io`) when the write fails or the file was already committed or discarded.
    public func write(_ data: TensorData) throws(WeightKitError) {
        var done = 0
        if let (file, start) = data.fileRegion, let source = file.descriptor {
            done = try send(from: source, at: start, count: data.count)
            if done == data.count { return }
        }
        // In-memory data, or a region the kernel would not copy (an unusual filesystem): through memory.
        do {
            try data.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[done...])) }
        } catch {
            throw .recovered(from: error)
        }
    }

    /// Copies up to `count` bytes from `source` at `start` with sendfile; returns how many were copied.
    private func send(from source: FileDescriptor, at start: Int, count: Int) throws(WeightKitError) -> Int {
        let target = try open()
        var offset = off_t(start)
        var remaining = count
        while remaining > 0 {
            let sent = sendfile(target.rawValue, source.rawValue, &offset, remaining)
            if sent < 0 {
                let code = Errno(rawValue: errno)
                if code == .interrupted { continue }
                if code == .noSpace || code == .readOnlyFileSystem || code == .fileTooLarge || code == .ioError {
                    throw writeError(code)
                }
                break
            }
            guard sent > 0 else { break }
            remaining -= sent
            bytesWritten += sent
        }
        return count - remaining
    }

    /// Overwrites bytes already written, at `offset` from the start of the file.
    ///
    /// - Parameters:
    ///   - bytes: the replacement bytes.
    ///   - offset: where they go, from the start of the file.
    /// - Throws: `WeightKitError` (`io`) when the write fails or the file was already committed or discarded.
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(WeightKitError) {
        let file = try open()
        do {
            _ = try bytes.withUnsafeBytes { try file.writeAll(toAbsoluteOffset: Int64(offset), $0) }
        } catch {
            throw writeError(error)
        }
    }

    /// The open file, or nil once committed or discarded.
    var openDescriptor: FileDescriptor? { descriptor }

    func closeDescriptor() throws(WeightKitError) {
        guard let file = descriptor else { return }
        descriptor = nil
        do {
            try file.close()
        } catch {
            throw WeightKitError(.io, "close failed: \(error)", file: destination)
        }
    }

    func forgetTemporary() {
        temporaryPath = nil
    }

    /// Removes the temporary file; nothing is left behind.
    public func discard() {
        if let file = descriptor {
            try? file.close()
            descriptor = nil
        }
        if let temporaryPath {
            unlink(temporaryPath)
            TemporaryFileRegistry.shared.remove(temporaryPath)
            self.temporaryPath = nil
        }
    }
}
