import Foundation
import WeightKitTestSupport
import Glibc
import Testing

/// Every path a command reads, the weight files and verify's side files, is refused before any read when
/// it is not a regular file: a FIFO with no writer must not hang, a device must not stream forever.
@Suite struct SpecialFileTests {
    static let model = CLI.fixture("verify/torchvision-resnext.pth")
    static let image = CLI.fixture("verify/torchvision-resnext.input.npy")

    /// A FIFO, a listening-less socket, a folder and two character devices, named like the files they stand for.
    private func specialFiles(in scratch: Scratch) throws -> [String] {
        let fifo = scratch.path("fifo.npy")
        try #require(mkfifo(fifo, 0o600) == 0)
        let socketPath = scratch.path("socket.npy")
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socketPath.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(descriptor)
        try #require(bound == 0)
        let folder = scratch.path("folder.npy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        return [fifo, socketPath, folder, "/dev/zero", "/dev/null"]
    }

    @Test func everyInputPathRefusesSpecialFiles() throws {
        let scratch = try Scratch()
        for special in try specialFiles(in: scratch) {
            var commands: [[String]] = [
                ["inspect", special],
                ["convert", special, "--to", scratch.path("out.safetensors")],
                ["verify", special, Self.model],
                ["verify", Self.model, Self.model, "--input", special],
                ["verify", Self.model, Self.model, "--boxes", special],
            ]
            // A folder is what --expect takes for many outputs; as one of them it is refused below.
            if !special.hasSuffix("folder.npy") {
                commands.append(["verify", Self.model, "--input", Self.image, "--expect", special, "--output", "res2"])
            }
            for arguments in commands {
                let result = try CLI.run(arguments)
                let lines = result.stderr.split(separator: "\n")
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
                #expect(lines.count == 1 && result.stderr.contains("not a regular file; nothing was read"),
                        "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(special), "\(arguments): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out.safetensors")))
    }

    /// A folder given to --expect holds one array per output: a FIFO or socket under an output's name is
    /// refused like any other.
    @Test func anExpectFolderRefusesSpecialFilesUnderOutputNames() throws {
        let scratch = try Scratch()
        try #require(mkfifo(scratch.path("res2.npy"), 0o600) == 0)
        let result = try CLI.run("verify", Self.model, "--input", Self.image, "--expect", scratch.url.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("res2.npy: is a FIFO (named pipe), not a regular file"), "\(result.stderr)")
    }
}
