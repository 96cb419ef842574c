import Glibc
import SystemPackage

/// A whole file mapped read-only into memory with `mmap`, so tensors can be views into it.
///
/// Foundation's `.mappedIfSafe` reads the file into memory on Linux; this type really maps it and
/// unmaps it when the last view goes away. Only regular files are opened: a FIFO, socket, device or
/// folder is refused before anything is read (opening is non-blocking, so a FIFO with no writer cannot hang).
public final class MappedFile: @unchecked Sendable {
    // Immutable after init and never written through: sharing across threads is safe.
    /// The path the file was opened by (the name given, for an in-memory copy).
    public let path: String
    /// The file's size in bytes.
    public let count: Int
    private let base: UnsafeRawPointer?
    /// The open file, kept for kernel-side copies and reads that bypass the mapping; nil for in-memory copies.
    package let descriptor: FileDescriptor?
    /// What the file was when it was mapped, to tell later whether it changed under the mapping.
    package let identity: FileIdentity?

    /// Maps the file at `path`. An empty file maps to an empty buffer.
    ///
    /// - Throws: `WeightKitError` naming the file when it cannot be opened, is not a regular file, or
    ///   cannot be mapped.
    ///
    /// - Parameter path: the file to map.
    public init(path: String) throws(WeightKitError) {
        self.path = path
        let opened: FileDescriptor
        do {
            opened = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
        } catch {
            // A socket cannot be opened at all: say what it is rather than the bare errno.
            if let status = try? FilePath(path).stat(), status.type != .regular, status.type != .directory {
                throw Self.notRegular(status.type, path)
            }
            throw WeightKitError(.io, "cannot open: \(Self.describe(error))", file: path)
        }
        let status: Stat
        do {
            status = try opened.stat()
        } catch {
            try? opened.close()
            throw WeightKitError(.io, "cannot read its status: \(error)", file: path)
        }
        guard status.type == .regular else {
            try? opened.close()
            throw Self.notRegular(status.type, path)
        }
        count = Int(status.size)
        descriptor = opened
        identity = FileIdentity(status)
        base = try Self.map(opened, count: count, path: path)
    }

    private static func map(_ file: FileDescriptor, count: Int, path: String) throws(WeightKitError) -> UnsafeRawPointer? {
        guard count > 0 else { return nil }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, file.rawValue, 0)
        guard let address, address != MAP_FAILED else {
            let reason = Errno(rawValue: errno)
            try? file.close()
            throw WeightKitError(.io, "cannot map into memory: \(reason)", file: path)
        }
        return UnsafeRawPointer(address)
    }

    private static func notRegular(_ type: FileType, _ path: String) -> WeightKitError {
        WeightKitError(.invalidArgument, "is \(FileIdentity.kind(of: type)), not a regular file; nothing was read", file: path)
    }

    private static func describe(_ error: Error) -> String {
        guard let errno = error as? Errno else { return "\(error)" }
        return errno == .noSuchFileOrDirectory ? "no such file" : "\(errno)"
    }

    /// A read-only copy of `bytes` in anonymous memory, presented as a file named `name` (fuzzing, tests).
    ///
    /// - Parameters:
    ///   - bytes: the contents to copy.
    ///   - name: the name errors report as the file's path.
    /// - Throws: `WeightKitError` (`io`) when the memory cannot be allocated.
    public init(copying bytes: UnsafeRawBufferPointer, name: String) throws(WeightKitError) {
        path = name
        count = bytes.count
        descriptor = nil
        identity = nil
        guard bytes.count > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, bytes.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED, let source = bytes.baseAddress else {
            throw WeightKitError(.io, "cannot allocate \(bytes.count) bytes", file: name)
        }
        address.copyMemory(from: source, byteCount: bytes.count)
        mprotect(address, bytes.count, PROT_READ)
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
        try? descriptor?.close()
    }

    /// Drops the pages of `range` from this process's resident memory; a later access reads them again from
    /// the page cache. Only for file mappings (an in-memory copy would lose its bytes).
    func releasePages(_ range: Range<Int>) {
        guard descriptor != nil, let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// The mapped bytes. Valid for as long as this object is alive.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Whether the file on disk is still what was mapped: same inode, size and modification time. A source
    /// rewritten or truncated while it was read no longer is.
    package func isUnchanged() -> Bool {
        guard let descriptor, let identity, let now = try? descriptor.stat() else { return true }
        return FileIdentity(now) == identity
    }
}
