// libFuzzer entry points for every reader. Build with scripts/fuzz (which defines WEIGHTKIT_FUZZ and links
// libFuzzer); a normal build gets a replay tool instead: WeightKitFuzz TARGET FILE... runs files through a
// target, so a crashing input can be reproduced under a debugger.
import Foundation
import WeightKit

/// The reader each fuzz target exercises, chosen by WEIGHTKIT_FUZZ_TARGET.
package enum FuzzTarget: String, CaseIterable {
    case detect, safetensors, pickle, numpyPickle = "numpy-pickle", torchZip = "torch-zip"
    case torchLegacy = "torch-legacy", mxnet, caffe2, npy, verify

    static var selected: FuzzTarget {
        ProcessInfo.processInfo.environment["WEIGHTKIT_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)) ?? .detect
    }

    /// A budget small enough that every execution stays fast; running out of it is a clean outcome too.
    static let limits = ReadBudget.Limits(bytes: 64 << 20, values: 500_000, work: 32 << 20)

    /// Reads `bytes` with this target's reader; errors are the expected outcome for most inputs.
    func run(_ bytes: UnsafeRawBufferPointer) {
        guard let file = try? MappedFile(copying: bytes, name: "fuzz-input") else { return }
        let all = WeightFile.ReadOptions(includeAll: true, limits: Self.limits)
        switch self {
        case .detect:
            if let collection = try? WeightFile.read(file, options: all) {
                _ = try? CanonicalMapper.standard.map(collection, keepDropped: true)
            }
        case .pickle:
            _ = try? PickleMachine(globals: .torchScript, allowsPersistentIDs: true).load(TensorData(Array(bytes)))
        case .safetensors: _ = try? WeightFile.read(file, as: .safetensors, options: all)
        case .numpyPickle: _ = try? WeightFile.read(file, as: .pickle, options: all)
        case .torchZip: _ = try? WeightFile.read(file, as: .pytorchZip, options: all)
        case .torchLegacy: _ = try? WeightFile.read(file, as: .pytorchLegacy, options: all)
        case .mxnet: _ = try? WeightFile.read(file, as: .mxnetParams, options: all)
        case .caffe2: _ = try? WeightFile.read(file, as: .caffe2Protobuf, options: all)
        case .npy: _ = try? WeightFile.read(file, as: .numpyNpy, options: all)
        case .verify: Self.verify(file)
        }
    }

    /// Any file, mapped to canonical names, run through the reference network on a small input within a
    /// small memory plan, and compared with itself.
    private static func verify(_ file: MappedFile) {
        guard var collection = try? WeightFile.read(file, options: .init(limits: limits)) else { return }
        if collection.metadata["weightkit.names"] != "canonical" {
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
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: WeightKitFuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} FILE...")
            return
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { target.run($0) }
            print("ok \(path)")
        }
    }
}
#endif
