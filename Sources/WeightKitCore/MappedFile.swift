import Glibc

/// A whole file mapped read-only into memory with `mmap`, so tensors can be views into it.
///
/// Foundation's `.mappedIfSafe` reads the file into memory on Linux; this type really maps it and
/// unmaps it when the last view goes away.
public final class MappedFile: @unchecked Sendable {
    // Immutable after init and never written through: sharing across threads is safe.
    public let path: String
    public let count: Int
    private let base: UnsafeRawPointer?
    /// The open file, kept for kernel-side copies and reads that bypass the mapping; -1 for in-memory copies.
    package let descriptor: Int32

    /// Maps the file at `path`. An empty file maps to an empty buffer.
    public init(path: String) throws(WeightKitError) {
        self.path = path
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            throw WeightKitError(.io, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        var status = stat()
        guard fstat(opened, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            let reason = (status.st_mode & S_IFMT) == S_IFREG ? String(cString: strerror(errno)) : "not a regular file"
            close(opened)
            throw WeightKitError(.io, reason, file: path)
        }
        let size = Int(status.st_size)
        count = size
        descriptor = opened
        guard size > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, opened, 0)
        guard let address, address != MAP_FAILED else {
            close(opened)
            throw WeightKitError(.io, "cannot map into memory: \(String(cString: strerror(errno)))", file: path)
        }
        base = UnsafeRawPointer(address)
    }

    /// A read-only copy of `bytes` in anonymous memory, presented as a file named `name` (fuzzing, tests).
    public init(copying bytes: UnsafeRawBufferPointer, name: String) throws(WeightKitError) {
        path = name
        count = bytes.count
        descriptor = -1
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
        if descriptor >= 0 { close(descriptor) }
    }

    /// Drops the pages of `range` from this process's resident memory; a later access reads them again from
    /// the page cache. Only for file mappings (an in-memory copy would lose its bytes).
    func releasePages(_ range: Range<Int>) {
        guard descriptor >= 0, let base else { return }
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

    /// The device and inode of the file, to tell whether two paths name one file.
    package static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}
