import SystemPackage

/// Which file a path names, and which version of it: device and inode tell two names of one file apart
/// from two files (hard links, symbolic links, `/proc/self/fd/N`), size and times tell whether it changed.
package struct FileIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int
    let modifiedNanoseconds: Int
    let changed: Int
    let changedNanoseconds: Int

    init(_ status: Stat) {
        device = UInt64(status.deviceID.rawValue)
        inode = UInt64(status.inode.rawValue)
        size = status.size
        modified = Int(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int(status.st_mtim.tv_nsec)
        changed = Int(status.st_ctim.tv_sec)
        changedNanoseconds = Int(status.st_ctim.tv_nsec)
    }

    /// The identity of the file at `path` (following symbolic links), or nil when nothing is there.
    package static func of(_ path: String) -> FileIdentity? {
        (try? FilePath(path).stat()).map(FileIdentity.init)
    }

    /// Whether two identities name the same file, whatever its contents now.
    package func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }

    /// A file type in words, for messages: `a FIFO`, `a folder`.
    package static func kind(of type: FileType) -> String {
        switch type {
        case .directory: "a folder"
        case .fifo: "a FIFO (named pipe)"
        case .socket: "a socket"
        case .characterSpecial: "a character device"
        case .blockSpecial: "a block device"
        case .symbolicLink: "a symbolic link"
        default: "a special file"
        }
    }
}
