// libFuzzer entry points for every reader. Build with scripts/fuzz (which defines WEIGHTKIT_FUZZ and links
// libFuzzer); a normal build gets a replay tool instead: WeightKitFuzz TARGET FILE... runs files through a
// target, so a crashing input can be reproduced under a debugger.
import Foundation
import WeightKit

/// What each fuzz target exercises, chosen by WEIGHTKIT_FUZZ_TARGET: `detect` (sniffing, every reader, the
/// layout engine), `pickle` (the bare pickle machine), `verify` (the forward pass), or any registered
/// reader by its name (`torch-zip`, `mxnet`, `caffe2`, ...), forced whatever the bytes say.
struct FuzzTarget {
    let name: String

    static var all: [String] { ["detect", "pickle", "verify"] + WeightFileRegistry.readers.map { $0.name } }

    static var selected: FuzzTarget {
        FuzzTarget(name: ProcessInfo.processInfo.environment["WEIGHTKIT_FUZZ_TARGET"] ?? "detect")
    }

    /// A budget small enough that every execution stays fast; running out of it is a clean outcome too.
    static let limits = ReadBudget.Limits(bytes: 64 << 20, values: 500_000, work: 32 << 20)

    /// Reads `bytes` with this target's reader; errors are the expected outcome for most inputs.
    func run(_ bytes: UnsafeRawBufferPointer) {
        guard let file = try? MappedFile(copying: bytes, name: "fuzz-input") else { return }
        let all = WeightFile.ReadOptions(includeAll: true, limits: Self.limits)
        switch name {
        case "detect":
            if let collection = try? WeightFile.read(file, options: all) {
                _ = try? CanonicalMapper.standard.map(collection, keepDropped: true)
            }
        case "pickle":
            _ = try? PickleMachine(globals: .torchScript, allowsPersistentIDs: true)
                .load(TensorData(Array(bytes)), budget: ReadBudget(Self.limits))
        case "verify":
            Self.verify(file)
        default:
            guard let reader = WeightFileRegistry.reader(named: name) else { return }
            _ = try? WeightFile.read(file, with: reader, options: all)
        }
    }

    /// Any file, mapped to canonical names, run through the reference network on a small input within a
    /// small memory plan, and compared with itself.
    private static func verify(_ file: MappedFile) {
        guard var collection = try? WeightFile.read(file, options: .init(limits: limits)) else { return }
        if collection.naming != .canonical {
            guard let mapped = try? CanonicalMapper.standard.map(collection).collection else { return }
            collection = mapped
        }
        let memory = ForwardMemory(limit: 64 << 20)
        guard let network = try? ReferenceNetwork(collection, memory: memory),
              let input = try? Verifier.input(height: 32, width: 32, memory: memory),
              let outputs = try? network.run(input)
        else { return }
        for (name, value) in outputs {
            _ = try? Verifier().compare(name, reference: value, candidate: value)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if !WEIGHTKIT_FUZZ
@main
package struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, FuzzTarget.all.contains(name) else {
            print("usage: WeightKitFuzz {\(FuzzTarget.all.joined(separator: "|"))} FILE...")
            return
        }
        let target = FuzzTarget(name: name)
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { target.run($0) }
            print("ok \(path)")
        }
    }
}
#endif
