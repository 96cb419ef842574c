import Foundation
import WeightKitTestSupport

/// Runs the built `weightkit` executable, which sits beside the test bundle.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let executable: URL = {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("weightkit")
    }()

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static func fixture(_ relative: String) -> String {
        fixtures.appendingPathComponent(relative).path
    }

    static func run(_ arguments: String...) throws -> CLIResult {
        try run(arguments)
    }

    static func run(_ arguments: [String], in directory: String? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// What a limited run of the binary did, with the most memory it held.
struct LimitedRun {
    var status: Int32
    var stderr: String
    var maximumResidentBytes: Int
}

extension CLI {
    /// `scripts/limited-run`, which forks the binary itself so that its peak memory is its own.
    static let limitedRun = fixtures.deletingLastPathComponent().appendingPathComponent("scripts/limited-run").path

    /// Runs the binary under a virtual-memory limit (so a runaway allocation fails instead of taking the
    /// machine) and reports its own peak resident memory.
    static func runLimited(_ arguments: [String], virtualMemoryKiB: Int, fileSizeBlocks: Int? = nil) throws -> LimitedRun {
        let scratch = try Scratch()
        let errors = scratch.path("stderr"), usage = scratch.path("usage")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", limitedRun, String(virtualMemoryKiB), fileSizeBlocks.map(String.init) ?? "-", errors, usage,
                             executable.path] + arguments
        try process.run()
        process.waitUntilExit()
        let peak = (try? String(contentsOfFile: usage, encoding: .utf8)).flatMap { Int($0) }
        guard let peak else { throw CocoaError(.executableLoad) }
        return LimitedRun(
            status: process.terminationStatus,
            stderr: (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "",
            maximumResidentBytes: peak)
    }
}

/// The CLI tests' name for the shared scratch directory.
typealias Scratch = ScratchDirectory
