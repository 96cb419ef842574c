import Foundation
import WeightKitTestSupport
import Glibc
import Testing

/// What the command line leaves behind when the system or the user stops a conversion.
@Suite struct OutputSafetyTests {
    static let source = CLI.fixture("pytorch/vovnet-zip.pth")

    @Test func fileSizeLimitFailsCleanly() throws {
        let scratch = try Scratch()
        let output = scratch.path("out.bin")
        // 8 blocks (4 or 8 KiB, by the shell's unit) is far below the output's size.
        let result = try CLI.runLimited(["convert", Self.source, "--to", output, "--quiet"],
                                        virtualMemoryKiB: 4 << 20, fileSizeBlocks: 8)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(scratch.contents.isEmpty, "\(scratch.contents)")
    }

    @Test(arguments: [SIGKILL, SIGQUIT, SIGTERM, SIGINT])
    func interruptedConversionLeavesNothingOrEverything(signal: Int32) throws {
        let scratch = try Scratch()
        let output = scratch.path("out.bin")
        for delay in [0, 2_000, 10_000, 40_000] {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["convert", Self.source, "--to", output, "--force", "--quiet"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(delay))
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let left = scratch.contents
            #expect(left.isEmpty || left == ["out.bin"], "signal \(signal) after \(delay) µs left \(left)")
        }
    }
}

/// Names from a hostile source never reach an output: each is refused in one line, naming it escaped,
/// before any output (or temporary) appears.
@Suite struct OutputNameTests {
    /// A safetensors file of one float32 tensor per name.
    static func safetensors(_ names: [String]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        for (index, name) in names.enumerated() {
            header[name] = ["dtype": "F32", "shape": [1], "data_offsets": [4 * index, 4 * index + 4]]
        }
        var text = Array(try JSONSerialization.data(withJSONObject: header))
        text += [UInt8](repeating: 0x20, count: (8 - text.count % 8) % 8)
        let length = UInt64(text.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + text
            + [UInt8](repeating: 0, count: 4 * names.count)
    }

    static let hostile: [(name: String, phrase: String)] = [
        ("../../etc/cron.d/x", "'..' component"),
        ("a/..\\..\\b", "'..' component"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/x", "absolute path"),
        ("w\u{0}hidden", "NUL"),
        ("w\nerror: forged\u{1B}[2J", "control character"),
        (String(repeating: "n", count: 5000), "longer than the 4096"),
    ]

    @Test(arguments: ["out.npz", "out.pth", "out.params", "out.pkl", "out.safetensors"])
    func hostileNamesAreRefusedBeforeAnyOutput(_ outputName: String) throws {
        for (name, phrase) in Self.hostile {
            let scratch = try Scratch()
            let source = try scratch.write(try Self.safetensors(["ok.weight", name]), to: "source.safetensors")
            let result = try CLI.run("convert", source, "--to", scratch.path(outputName), "--quiet")
            let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") || !$0.hasPrefix("warning:") }
            #expect(result.status == 1, "\(outputName) \(phrase): \(result.stderr)")
            #expect(lines.count == 1 && result.stderr.contains(phrase), "\(outputName): \(result.stderr)")
            #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(result.stderr)")
            #expect(scratch.contents == ["source.safetensors"], "\(outputName) \(phrase) left \(scratch.contents)")
        }
    }

    @Test(arguments: [["a/b.weight", "a/./b.weight"], ["Conv.weight", "conv.weight"]])
    func namesThatAreOneMemberOnceExtractedAreRefused(_ names: [String]) throws {
        let scratch = try Scratch()
        let source = try scratch.write(try Self.safetensors(names), to: "source.safetensors")
        let result = try CLI.run("convert", source, "--to", scratch.path("out.npz"), "--quiet")
        #expect(result.status == 1)
        #expect(result.stderr.contains("would be one member of the archive"), "\(result.stderr)")
        #expect(scratch.contents == ["source.safetensors"])
        // In a pickle they are two distinct keys.
        #expect(try CLI.run("convert", source, "--to", scratch.path("out.pth"), "--quiet").status == 0)
    }
}
