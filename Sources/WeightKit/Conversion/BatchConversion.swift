import Foundation
import Glibc
import SystemPackage
import WeightKitCore
import WeightKitFormats

/// Converts many files into one folder, several at a time, each output atomic on its own: a model-zoo folder
/// in one command, one result per file.
public struct BatchConversion: Sendable {
    /// What became of one source.
    public struct Outcome: Sendable {
        /// The source file this outcome is for, as it was passed to `run(_:into:)`.
        public var source: String
        /// The output path the source was (or would have been) written to.
        public var output: String
        /// The conversion's report, or the error that stopped this one source.
        public var result: Result<Conversion.Report, WeightKitError>
    }

    /// The settings every source is converted with; its `format` also picks the outputs' extension.
    public var conversion: Conversion
    /// How many files convert at once (at least 1).
    public var jobs = 1

    /// Creates a batch that converts with `conversion`, `jobs` files at a time.
    ///
    /// - Parameters:
    ///   - conversion: the settings applied to every source.
    ///   - jobs: how many files convert at once.
    public init(conversion: Conversion, jobs: Int = 1) {
        self.conversion = conversion
        self.jobs = jobs
    }

    /// The output for `source` in `directory`: its name without its last extension, then the container's
    /// (`.safetensors`, `.pth`, `.pkl`, `.npz`, `.params`).
    ///
    /// - Parameters:
    ///   - source: the source file's path.
    ///   - directory: the output folder.
    ///   - format: the container the output is written in.
    /// - Returns: the output path.
    public static func output(for source: String, in directory: String, format: WeightFormat) -> String {
        let name = source.split(separator: "/").last.map(String.init) ?? source
        let stem = name.lastIndex(of: ".").map { $0 == name.startIndex ? name : String(name[..<$0]) } ?? name
        return (directory.hasSuffix("/") ? directory : directory + "/") + stem + "." + WeightFile.fileExtension(for: format)
    }

    /// Converts every source into `directory`, `jobs` at a time, in any order; outcomes come back in the
    /// sources' order. Two sources that would write one output, or a folder that does not exist, fail the
    /// whole batch before anything is written.
    ///
    /// - Parameters:
    ///   - sources: the files to convert.
    ///   - directory: an existing folder the outputs are written into.
    /// - Returns: one outcome per source, in the order of `sources`; a source that failed carries its error.
    /// - Throws: `WeightKitError` when the folder does not exist or two sources would write the same output.
    public func run(_ sources: [String], into directory: String) throws(WeightKitError) -> [Outcome] {
        guard (try? FilePath(directory).stat())?.type == .directory else {
            throw WeightKitError(.io, "the output folder does not exist", file: directory)
        }
        var job = conversion
        let format = conversion.format ?? .safetensors
        job.format = format
        let outputs = sources.map { Self.output(for: $0, in: directory, format: format) }
        var writer: [String: Int] = [:]
        for (index, output) in outputs.enumerated() {
            if let first = writer.updateValue(index, forKey: output) {
                throw WeightKitError(.invalidArgument, "\(sources[first]) and \(sources[index]) would both write \(output); "
                    + "nothing was converted (give them different names or folders)")
            }
        }
        let work = Work(count: sources.count)
        let single = job
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, sources.count))) { _ in
            while let index = work.next(below: sources.count) {
                do throws(WeightKitError) {
                    work.set(index, .success(try single.run(from: sources[index], to: outputs[index])))
                } catch {
                    work.set(index, .failure(error))
                }
            }
        }
        return sources.indices.map { index in
            let result = work.result(index) ?? .failure(WeightKitError(.invalidArgument, "was not converted", file: sources[index]))
            return Outcome(source: sources[index], output: outputs[index], result: result)
        }
    }

    /// What the workers share: the next position to convert and the results so far.
    private final class Work: @unchecked Sendable {
        private let lock = NSLock()
        private var position = 0
        private var results: [Result<Conversion.Report, WeightKitError>?]

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func next(below limit: Int) -> Int? {
            lock.withLock {
                guard position < limit else { return nil }
                position += 1
                return position - 1
            }
        }

        func set(_ index: Int, _ result: Result<Conversion.Report, WeightKitError>) {
            lock.withLock { results[index] = result }
        }

        func result(_ index: Int) -> Result<Conversion.Report, WeightKitError>? {
            lock.withLock { results[index] }
        }
    }
}
