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
