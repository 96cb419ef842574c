import Glibc

/// An output that appears under its destination's name complete or not at all.
///
/// The bytes go to an unnamed file in the destination's folder (`O_TMPFILE`), which the kernel removes by
/// itself if the process dies, whatever the signal; `commit()` links it into place. Without `overwrite` the
/// link fails if the destination appeared meanwhile, so two runs racing for one new name cannot both win.
/// Where the filesystem has no unnamed files, a hidden temporary beside the destination is used instead and
/// removed on failure and on the signals the command line handles.
public final class AtomicOutputFile {
    public let destination: String
    /// The hidden temporary file's path, when the filesystem needed one and it still exists.
    public private(set) var temporaryPath: String?
    private var descriptor: Int32
    private let overwrite: Bool
    private let directory: String
    private let base: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0
    /// The open file, for writers that place bytes at positions of their own (libzip); -1 once committed.
    package var fileDescriptor: Int32 { descriptor }

    /// `O_TMPFILE`: `__O_TMPFILE` (the same on every Linux architecture) with `O_DIRECTORY`, which Swift's
    /// Glibc module does not import as one constant.
    private static let unnamedFlag = Int32(0o20000000) | O_DIRECTORY

    /// Creates the unnamed file. Fails if `destination` exists and `overwrite` is false, or if its folder
    /// does not exist.
    public init(destination: String, overwrite: Bool) throws(WeightKitError) {
        self.destination = destination
        self.overwrite = overwrite
        if !overwrite, access(destination, F_OK) == 0 {
            throw WeightKitError(.outputExists, "output exists", file: destination)
        }
        if let slash = destination.lastIndex(of: "/") {
            directory = String(destination[..<slash]).isEmpty ? "/" : String(destination[..<slash])
            base = String(destination[destination.index(after: slash)...])
        } else {
            directory = "."
            base = destination
        }
        guard !base.isEmpty else {
            throw WeightKitError(.invalidArgument, "output path names a folder, not a file", file: destination)
        }
        let mode = mode_t(0o666)
        let unnamed = open(directory, Self.unnamedFlag | O_WRONLY | O_CLOEXEC, mode)
        if unnamed >= 0 {
            descriptor = unnamed
            return
        }
        let reason = errno
        guard reason == EOPNOTSUPP || reason == EISDIR || reason == EINVAL else {
            throw Self.creationError(reason, directory: directory, destination: destination)
        }
        var template = Array("\(directory)/.\(base).weightkit-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkstemp(buffer.baseAddress!)
        }
        guard created >= 0 else { throw Self.creationError(errno, directory: directory, destination: destination) }
        descriptor = created
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFileRegistry.shared.insert(temporaryPath)
        let mask = umask(0)
        umask(mask)
        fchmod(descriptor, 0o666 & ~mask)
    }

    private static func creationError(_ code: Int32, directory: String, destination: String) -> WeightKitError {
        if code == ENOENT || code == ENOTDIR {
            return WeightKitError(.io, "the output folder '\(directory)' does not exist", file: destination)
        }
        return WeightKitError(.io, "cannot create the output in '\(directory)': \(String(cString: strerror(code)))",
                              file: destination)
    }

    deinit {
        discard()
    }

    /// Appends `bytes`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(WeightKitError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw WeightKitError(.io, "write failed: \(String(cString: strerror(errno)))", file: destination)
            }
            offset += written
        }
        bytesWritten += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws(WeightKitError) {
        do {
            try bytes.withUnsafeBytes { try write($0) }
        } catch {
            throw .recovered(from: error)
        }
    }

    /// Appends `data`; bytes of a mapped file are copied by the kernel (sendfile), so they never enter
    /// this process's memory.
    public func write(_ data: TensorData) throws(WeightKitError) {
        if let (file, start) = data.fileRegion {
            var offset = off_t(start)
            var remaining = data.count
            while remaining > 0 {
                let sent = sendfile(descriptor, file.descriptor, &offset, remaining)
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { break }
                remaining -= sent
                bytesWritten += sent
            }
            if remaining == 0 { return }
            // The kernel refused part of it (an unusual filesystem): copy the rest through memory.
            do {
                let done = data.count - remaining
                try data.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[done...])) }
            } catch {
                throw .recovered(from: error)
            }
            return
        }
        do {
            try data.withUnsafeBytes { try write($0) }
        } catch {
            throw .recovered(from: error)
        }
    }

    /// Overwrites bytes already written, at `offset` from the start of the file.
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(WeightKitError) {
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else {
            throw WeightKitError(.io, "write failed: \(String(cString: strerror(errno)))", file: destination)
        }
    }

    /// Closes the file and gives it the destination's name: a link, which fails if the name exists unless
    /// replacing was allowed; then a link to a hidden name renamed over the destination.
    public func commit() throws(WeightKitError) {
        guard descriptor >= 0 else {
            throw WeightKitError(.io, "output already committed or discarded", file: destination)
        }
        defer { discard() }
        if let temporaryPath {
            try closeDescriptor()
            if overwrite {
                try replace(with: temporaryPath)
            } else {
                try linkIntoPlace { link(temporaryPath, $0) }
            }
            return
        }
        let handle = "/proc/self/fd/\(descriptor)"
        let linkUnnamed = { [descriptor] (name: String) -> Int32 in
            if linkat(AT_FDCWD, handle, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 { return 0 }
            guard errno == ENOENT else { return -1 }
            // No /proc: link the descriptor itself (AT_EMPTY_PATH), which needs privileges.
            return linkat(descriptor, "", AT_FDCWD, name, Self.emptyPathFlag)
        }
        guard overwrite else {
            try linkIntoPlace(linkUnnamed)
            return
        }
        var hidden = ""
        for _ in 0..<16 {
            hidden = "\(directory)/.\(base).weightkit-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            TemporaryFileRegistry.shared.insert(hidden)
            if linkUnnamed(hidden) == 0 { break }
            TemporaryFileRegistry.shared.remove(hidden)
            hidden = ""
            guard errno == EEXIST else { break }
        }
        guard !hidden.isEmpty else { throw placementError(errno) }
        try replace(with: hidden)
    }

    /// `AT_EMPTY_PATH`, which Swift's Glibc module does not import.
    private static let emptyPathFlag: Int32 = 0x1000

    /// Links the file at the destination with `makeLink`; an existing destination is never replaced.
    private func linkIntoPlace(_ makeLink: (String) -> Int32) throws(WeightKitError) {
        guard makeLink(destination) == 0 else {
            if errno == EEXIST {
                throw WeightKitError(.outputExists, "output appeared while this run wrote it; nothing was replaced",
                                     file: destination)
            }
            throw placementError(errno)
        }
    }

    /// Renames the finished file at `hidden` over the destination.
    private func replace(with hidden: String) throws(WeightKitError) {
        defer { TemporaryFileRegistry.shared.remove(hidden) }
        guard rename(hidden, destination) == 0 else {
            let error = placementError(errno)
            unlink(hidden)
            throw error
        }
        if hidden == temporaryPath { temporaryPath = nil }
    }

    private func placementError(_ code: Int32) -> WeightKitError {
        WeightKitError(.io, "cannot move the finished file into place: \(String(cString: strerror(code)))",
                       file: destination)
    }

    private func closeDescriptor() throws(WeightKitError) {
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else {
            throw WeightKitError(.io, "close failed: \(String(cString: strerror(errno)))", file: destination)
        }
    }

    /// Removes the temporary file; nothing is left behind.
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if let temporaryPath {
            unlink(temporaryPath)
            TemporaryFileRegistry.shared.remove(temporaryPath)
            self.temporaryPath = nil
        }
    }
}

/// The temporary files in flight, so a signal handler can remove them before the process dies.
public final class TemporaryFileRegistry: @unchecked Sendable {
    public static let shared = TemporaryFileRegistry()
    private var lock = pthread_mutex_t()
    private var paths: Set<String> = []

    private init() {
        pthread_mutex_init(&lock, nil)
    }

    func insert(_ path: String?) {
        guard let path else { return }
        pthread_mutex_lock(&lock)
        paths.insert(path)
        pthread_mutex_unlock(&lock)
    }

    func remove(_ path: String) {
        pthread_mutex_lock(&lock)
        paths.remove(path)
        pthread_mutex_unlock(&lock)
    }

    /// Unlinks every temporary file still in flight. Meant for a signal handler that then exits: it does not
    /// wait for the lock (the interrupted thread may hold it), so it removes nothing rather than hang.
    public func removeAll() {
        guard pthread_mutex_trylock(&lock) == 0 else { return }
        for path in paths { unlink(path) }
        paths.removeAll()
        pthread_mutex_unlock(&lock)
    }
}
