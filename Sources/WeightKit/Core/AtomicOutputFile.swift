import Glibc

/// An output written to a temporary file beside its destination and renamed into place on `commit()`,
/// so a failed or interrupted run never leaves a partial file under the destination's name.
public final class AtomicOutputFile {
    public let destination: String
    /// The temporary file's path while it exists.
    public private(set) var temporaryPath: String?
    private var descriptor: Int32
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Creates the temporary file. Fails if `destination` exists and `overwrite` is false.
    public init(destination: String, overwrite: Bool) throws(WeightKitError) {
        self.destination = destination
        if !overwrite, access(destination, F_OK) == 0 {
            throw WeightKitError(.outputExists, "output exists; pass --force to replace it", file: destination)
        }
        let directory: String
        let base: String
        if let slash = destination.lastIndex(of: "/") {
            directory = String(destination[..<slash]).isEmpty ? "/" : String(destination[..<slash])
            base = String(destination[destination.index(after: slash)...])
        } else {
            directory = "."
            base = destination
        }
        guard !base.isEmpty else {
            throw WeightKitError(.invalidArgument, "output path names a directory", file: destination)
        }
        var template = Array("\(directory)/.\(base).weightkit-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkstemp(buffer.baseAddress!)
        }
        guard created >= 0 else {
            throw WeightKitError(.io, "cannot create a file beside the output: \(String(cString: strerror(errno)))",
                                 file: destination)
        }
        descriptor = created
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFileRegistry.shared.insert(temporaryPath)
        let mask = umask(0)
        umask(mask)
        fchmod(descriptor, 0o666 & ~mask)
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

    /// Flushes and renames the temporary file to the destination.
    public func commit() throws(WeightKitError) {
        guard let temporaryPath else {
            throw WeightKitError(.io, "output already committed or discarded", file: destination)
        }
        guard close(descriptor) == 0 else {
            throw WeightKitError(.io, "close failed: \(String(cString: strerror(errno)))", file: destination)
        }
        descriptor = -1
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw WeightKitError(.io, "cannot move the finished file into place: \(reason)", file: destination)
        }
        TemporaryFileRegistry.shared.remove(temporaryPath)
        self.temporaryPath = nil
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

    /// Unlinks every temporary file still in flight. Meant for a signal handler that then exits.
    public func removeAll() {
        pthread_mutex_lock(&lock)
        for path in paths { unlink(path) }
        paths.removeAll()
        pthread_mutex_unlock(&lock)
    }
}
