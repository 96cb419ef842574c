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

    /// An MXNet symbol beside the weights says their eps and fix_gamma: one that is there but no regular
    /// file is refused, not skipped (the weights would run with other semantics).
    @Test func aSymbolBesideTheWeightsThatIsNoFileIsRefused() throws {
        let scratch = try Scratch()
        let params = scratch.path("checkpoint-0006.params")
        try FileManager.default.copyItem(atPath: CLI.fixture("zoo/simpledet/faster_r50v1c4_c5_512roi_1x/checkpoint-0006.params"),
                                         toPath: params)
        try FileManager.default.createDirectory(atPath: scratch.path("checkpoint-symbol.json"), withIntermediateDirectories: false)
        let result = try CLI.run("inspect", params)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(scratch.path("checkpoint-symbol.json")): is a folder, not a regular file; nothing was read\n")
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

/// verify's `.npy` side files are data from outside: a header's shape must match the bytes, boxes must be
/// finite rows of four, an image must be finite.
@Suite struct VerifySideFileTests {
    /// A version 1.0 `.npy` of float32 `values` whose header claims `shape`.
    static func npy(shape: [Int], _ values: [Float]) -> [UInt8] {
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }".utf8)
        header += [UInt8](repeating: 0x20, count: (64 - (header.count + 11) % 64) % 64) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    static let cases: [(option: String, shape: [Int], values: [Float], phrase: String)] = [
        ("--boxes", [1, 4], [0, 0, .nan, 10], "box 0"),
        ("--boxes", [2, 4], [0, 0, 5, 5, 0, 0, .infinity, 10], "box 1"),
        ("--boxes", [1000, 4], [0, 0, 5, 10], "needs 16000 bytes"),
        ("--boxes", [1 << 40, 4], [0, 0, 5, 10], "needs 17592186044416 bytes"),
        ("--boxes", [0, 4], [], "1 to 1000 rows"),
        ("--boxes", [2, 3], [0, 0, 1, 1, 2, 2], "shape (R, 4)"),
        ("--input", [1, 3, 64, 64], [1, 2, 3, 4], "needs 49152 bytes"),
        ("--input", [1, 3, 2, 2], [Float](repeating: .nan, count: 12), "NaN or infinite"),
    ]

    @Test(arguments: cases.indices)
    func malformedSideFilesAreRefused(_ index: Int) throws {
        let (option, shape, values, phrase) = Self.cases[index]
        let scratch = try Scratch()
        let file = try scratch.write(Self.npy(shape: shape, values), to: "side.npy")
        let result = try CLI.run("verify", SpecialFileTests.model, SpecialFileTests.model, option, file)
        #expect(result.status == 1, "\(option) \(shape): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(file) && result.stderr.contains(phrase), "\(option) \(shape): \(result.stderr)")
    }
}
