import Glibc
import SystemPackage

extension AtomicOutputFile {
    /// Gives the file the destination's name: a link, which fails if the name exists unless replacing was
    /// allowed; then a link to a hidden name renamed over the destination.
    ///
    /// - Throws: `WeightKitError` when the data cannot reach the disk or the name cannot be placed; the
    ///   output is then discarded.
    public func commit() throws(WeightKitError) {
        guard let file = openDescriptor else {
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
        try placeUnnamed(file)
    }

    /// Links the unnamed file into place, or under a hidden name renamed over the destination.
    private func placeUnnamed(_ file: FileDescriptor) throws(WeightKitError) {
        let handle = "/proc/self/fd/\(file.rawValue)"
        let linkUnnamed = { (name: String) -> Int32 in
            if linkat(AT_FDCWD, handle, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 { return 0 }
            guard errno == ENOENT else { return -1 }
            // No /proc: link the descriptor itself (AT_EMPTY_PATH), which needs privileges.
            return linkat(file.rawValue, "", AT_FDCWD, name, Self.emptyPathFlag)
        }
        guard overwrite else {
            try linkIntoPlace(linkUnnamed)
            return
        }
        var hidden = ""
        for _ in 0..<16 {
            hidden = "\(directoryPath)/.\(baseName).weightkit-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            TemporaryFileRegistry.shared.insert(hidden)
            if linkUnnamed(hidden) == 0 { break }
            TemporaryFileRegistry.shared.remove(hidden)
            hidden = ""
            guard errno == EEXIST else { break }
        }
        guard !hidden.isEmpty else { throw placementError(Errno(rawValue: errno)) }
        try replace(with: hidden)
    }

    /// `AT_EMPTY_PATH`, which Swift's Glibc module does not import.
    private static let emptyPathFlag: Int32 = 0x1000

    /// Links the file at the destination with `makeLink`; an existing destination is never replaced.
    private func linkIntoPlace(_ makeLink: (String) -> Int32) throws(WeightKitError) {
        guard makeLink(destination) == 0 else {
            let code = Errno(rawValue: errno)
            if code == .fileExists {
                throw WeightKitError(.outputExists, "output appeared while this run wrote it; nothing was replaced",
                                     file: destination)
            }
            throw placementError(code)
        }
    }

    /// Renames the finished file at `hidden` over the destination.
    private func replace(with hidden: String) throws(WeightKitError) {
        defer { TemporaryFileRegistry.shared.remove(hidden) }
        guard rename(hidden, destination) == 0 else {
            let error = placementError(Errno(rawValue: errno))
            unlink(hidden)
            throw error
        }
        if hidden == temporaryPath { forgetTemporary() }
    }

    private func placementError(_ code: Errno) -> WeightKitError {
        WeightKitError(.io, "cannot move the finished file into place: \(code)", file: destination)
    }
}
