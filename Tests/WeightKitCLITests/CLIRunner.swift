import Foundation

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

    static func run(_ arguments: [String]) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
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
    /// Runs the binary under a virtual-memory limit (so a runaway allocation fails instead of taking the
    /// machine) and reports its peak resident memory, which the kernel gives for a child reaped with wait4.
    static func runLimited(_ arguments: [String], virtualMemoryKiB: Int, fileSizeBlocks: Int? = nil) throws -> LimitedRun {
        let errors = FileManager.default.temporaryDirectory
            .appendingPathComponent("weightkit-stderr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let fileLimit = fileSizeBlocks.map { "ulimit -f \($0); " } ?? ""
        let script = "ulimit -v \(virtualMemoryKiB); \(fileLimit)exec \"$0\" \"$@\" >/dev/null 2>\"$WEIGHTKIT_STDERR\""
        let argv = ["/bin/sh", "-c", script, executable.path] + arguments
        var pointers = argv.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["WEIGHTKIT_STDERR"] = errors
        var environmentPointers = environment.map { strdup("\($0.key)=\($0.value)") }
        environmentPointers.append(nil)
        defer { environmentPointers.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, pointers, environmentPointers)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        return LimitedRun(
            status: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F),
            stderr: (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "",
            maximumResidentBytes: usage.ru_maxrss * 1024)
    }
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("weightkit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}
