import Foundation
import Glibc
import Testing
import WeightKitTestSupport

/// The environment is as untrusted as the files: a source cut short by another program while it is read,
/// and outputs that are the source under another name.
@Suite struct HostileEnvironmentTests {
    /// A safetensors file of one 400 MiB float32 tensor of zeros, sparse on disk.
    static func largeSource(in scratch: ScratchDirectory) throws -> String {
        let count = 100 << 20
        let header = Array(#"{"w": {"dtype": "F32", "shape": [\#(count)], "data_offsets": [0, \#(count * 4)]}}"#.utf8)
        let bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        let path = try scratch.write(bytes, to: "large.safetensors")
        #expect(truncate(path, off_t(bytes.count + count * 4)) == 0)
        return path
    }

    @Test func aSourceTruncatedWhileItIsReadIsOneErrorLine() throws {
        let scratch = try ScratchDirectory()
        let source = try Self.largeSource(in: scratch)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["inspect", source, "--stats"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(400_000)
        // Whether the read has begun or not, the file no longer has the bytes its header promises.
        #expect(truncate(source, 4096) == 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(message)")
        #expect(message.hasPrefix("error: ") && message.split(separator: "\n").count == 1, "\(message)")
        #expect(message.contains("large.safetensors"), "\(message)")
    }

    @Test(arguments: ["symbolic", "hard", "dot-dot"])
    func anOutputThatIsTheSourceUnderAnotherNameIsRefused(_ alias: String) throws {
        let scratch = try ScratchDirectory()
        let source = scratch.path("model.pkl")
        try FileManager.default.copyItem(atPath: CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl"), toPath: source)
        let before = try #require(FileManager.default.contents(atPath: source))
        var output = scratch.path("alias.onnx")
        switch alias {
        case "symbolic": try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: source)
        case "hard": try FileManager.default.linkItem(atPath: source, toPath: output)
        default:
            try FileManager.default.createDirectory(atPath: scratch.path("sub"), withIntermediateDirectories: false)
            output = scratch.url.appendingPathComponent("sub/../model.pkl").path
        }
        for command in [["export", source, "--to", output, "--force"], ["convert", source, "--to", output, "--force"]] {
            let result = try CLI.run(command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
            #expect(FileManager.default.contents(atPath: source) == before)
        }
    }

    /// A 64 KiB filesystem, and a read-only one, where this process may mount them (root in its own
    /// sandbox); elsewhere the test is skipped, not passed.
    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("weightkit-mount-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(probe)
        return true
    }()

    @Test(.enabled(if: canMount), arguments: ["size=64k", "size=64k,ro"])
    func aFullOrReadOnlyDiskIsOneErrorLineAndNothingLeft(_ options: String) throws {
        let scratch = try ScratchDirectory()
        let disk = scratch.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let flags: UInt = options.hasSuffix(",ro") ? UInt(MS_RDONLY) : 0
        #expect(mount("tmpfs", disk, "tmpfs", flags, String(options.prefix { $0 != "," })) == 0)
        defer { umount(disk) }
        let source = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl")
        for command in [["convert", source, "--to", disk + "/out.safetensors"], ["export", source, "--to", disk + "/out.onnx"],
                        ["export", source, "--to", disk + "/out.onnx", "--external-data"]] {
            let result = try CLI.run(command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: disk)) == [], "\(command)")
        }
    }

    /// A path that is not UTF-8 would be decoded into another name (U+FFFD for each bad byte), which may be
    /// another file: it is refused with its bytes shown, and the file of the decoded name is never read.
    @Test func aPathThatIsNotUTF8IsRefusedNotRewritten() throws {
        let scratch = try Scratch()
        let decoded = scratch.path("bad\u{FFFD}.pth")
        try FileManager.default.copyItem(atPath: CLI.fixture("pytorch/resnet-zip.pth"), toPath: decoded)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" inspect "$(printf '%s/bad\377.pth' "$1")""#, CLI.executable.path, scratch.url.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(stderr == "error: the argument '\(scratch.url.path)/bad\\xff.pth' is not valid UTF-8: weightkit takes paths as UTF-8 only (rename the file)\n")
    }
}
