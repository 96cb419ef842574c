import Foundation
import WeightKitCore
import WeightKitFormats

/// Converts many files into one folder, several at a time, each output atomic on its own: a model-zoo folder
/// in one command, one result per file.
public struct BatchConversion: Sendable {
    /// What became of one source.
    public struct Outcome: Sendable {
        public var source: String
        public var output: String
        public var result: Result<Conversion.Report, WeightKitError>
    }

    public var conversion: Conversion
    /// How many files convert at once (at least 1).
    public var jobs = 1

    public init(conversion: Conversion, jobs: Int = 1) {
        self.conversion = conversion
        self.jobs = jobs
    }

    /// The output for `source` in `directory`: its name without its last extension, then the container's
    /// (`.safetensors`, `.pth`, `.pkl`, `.npz`, `.params`).
    public static func output(for source: String, in directory: String, format: WeightFormat) -> String {
        let name = source.split(separator: "/").last.map(String.init) ?? source
        let stem = name.lastIndex(of: ".").map { $0 == name.startIndex ? name : String(name[..<$0]) } ?? name
        let suffix: String
        switch format {
        case .pytorchZip: suffix = "pth"
        case .pickle: suffix = "pkl"
        case .numpyNpz: suffix = "npz"
        case .mxnetParams: suffix = "params"
        default: suffix = "safetensors"
        }
        return (directory.hasSuffix("/") ? directory : directory + "/") + stem + "." + suffix
    }

    /// Converts every source into `directory`, `jobs` at a time, in any order; outcomes come back in the
    /// sources' order. Two sources that would write one output: the second fails, nothing is replaced.
    public func run(_ sources: [String], into directory: String) -> [Outcome] {
        var job = conversion
        job.format = conversion.format ?? .safetensors
        let outputs = sources.map { Self.output(for: $0, in: directory, format: job.format ?? .safetensors) }
        var firstWriter: [String: Int] = [:]
        for (index, output) in outputs.enumerated() where firstWriter[output] == nil { firstWriter[output] = index }
        let pending = outputs.indices.filter { firstWriter[outputs[$0]] == $0 }
        let results = Results(count: sources.count)
        let next = Counter()
        let single = job
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, pending.count))) { _ in
            while let position = next.take(below: pending.count) {
                let index = pending[position]
                do throws(WeightKitError) {
                    results.set(index, .success(try single.run(from: sources[index], to: outputs[index])))
                } catch {
                    results.set(index, .failure(error))
                }
            }
        }
        return sources.indices.map { index in
            let result = results.get(index) ?? .failure(WeightKitError(
                .invalidArgument, "would write the same output as \(sources[firstWriter[outputs[index]] ?? index])",
                file: sources[index]))
            return Outcome(source: sources[index], output: outputs[index], result: result)
        }
    }

    /// The next index to convert, shared by the workers.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func take(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<Conversion.Report, WeightKitError>?]

        init(count: Int) { values = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: Result<Conversion.Report, WeightKitError>) {
            lock.lock()
            values[index] = value
            lock.unlock()
        }

        func get(_ index: Int) -> Result<Conversion.Report, WeightKitError>? {
            lock.lock()
            defer { lock.unlock() }
            return values[index]
        }
    }
}
