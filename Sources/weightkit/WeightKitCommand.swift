import ArgumentParser
import Glibc
import WeightKit

@main
struct WeightKitCommand: ParsableCommand {
    static func main() {
        // libzip converts every entry's DOS timestamp with mktime, and with TZ unset glibc checks
        // /etc/localtime again on each call: thousands of stats for a large checkpoint. Naming the same
        // zone explicitly lets glibc read it once.
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 0) }
        SignalCleanup.install()
        MappedFileFault.install()
        if let invalid = ArgumentEncoding.firstInvalidArgument() {
            StandardError.write("error: the argument '\(invalid)' is not valid UTF-8: weightkit takes paths as UTF-8 only (rename the file)\n")
            Glibc.exit(1)
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exitForArgumentError(error, arguments: arguments)
        }
        do {
            try command.run()
        } catch {
            // Commands print their own one-line errors before throwing an exit code.
            exit(withError: error)
        }
    }

    /// Help and version requests print as usual; a mistake in the arguments is one `error:` line naming
    /// the subcommand's help, with the usage status 64.
    static func exitForArgumentError(_ error: Error, arguments: [String]) -> Never {
        guard exitCode(for: error) != .success else { exit(withError: error) }
        let names = configuration.subcommands.map { $0.configuration.commandName ?? String(describing: $0).lowercased() }
        let subcommand = arguments.first { !$0.hasPrefix("-") }
        let line: String
        if let first = arguments.first, !first.hasPrefix("-"), !names.contains(first), first != "help" {
            line = "error: unknown subcommand '\(first)'; weightkit has \(names.joined(separator: ", ")) (see weightkit --help)"
        } else {
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            let help = subcommand.flatMap { names.contains($0) ? "weightkit \($0) --help" : nil } ?? "weightkit --help"
            line = "error: \(message.lowercasedFirst) (see \(help))"
        }
        StandardError.write(line.escapingControlCharacters + "\n")
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }

    static let configuration = CommandConfiguration(
        commandName: "weightkit",
        abstract: "Read detection-model weights from PyTorch, Detectron, MXNet and Caffe2 files and write one canonical container.",
        version: WeightKitVersion.current,
        subcommands: [Inspect.self, Convert.self, Verify.self, Export.self]
    )
}

/// Runs `body`, turning a WeightKit error into one `error: ...` line on stderr and exit status 1.
func reportingErrors(_ body: () throws(WeightKitError) -> Void) throws {
    do {
        try body()
    } catch {
        var line = "error: \(error)"
        if error.budget == .bytes { line += " (if the file is trusted, raise the limit with --max-memory)" }
        if error.kind == .outputExists { line += "; pass --force to replace it" }
        StandardError.write(line + "\n")
        throw ExitCode(1)
    }
}

private extension String {
    var lowercasedFirst: String {
        guard let first, first.isUppercase, dropFirst().first?.isUppercase != true else { return self }
        return first.lowercased() + dropFirst()
    }
}
