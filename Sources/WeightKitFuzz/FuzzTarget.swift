// libFuzzer entry points for every reader. Build with scripts/fuzz (which defines WEIGHTKIT_FUZZ and links
// libFuzzer); a normal build gets a replay tool instead: WeightKitFuzz TARGET FILE... runs files through a
// target, so a crashing input can be reproduced under a debugger.
import Foundation
import WeightKit

/// The reader each fuzz target exercises, chosen by WEIGHTKIT_FUZZ_TARGET.
enum FuzzTarget: String, CaseIterable {
    case detect, safetensors, pickle, numpyPickle = "numpy-pickle", torchZip = "torch-zip"
    case torchLegacy = "torch-legacy", mxnet, caffe2, npy

    static var selected: FuzzTarget {
        ProcessInfo.processInfo.environment["WEIGHTKIT_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)) ?? .detect
    }

    /// Reads `bytes` with this target's reader; errors are the expected outcome for most inputs.
    func run(_ bytes: UnsafeRawBufferPointer) {
        guard let file = try? MappedFile(copying: bytes, name: "fuzz-input") else { return }
        let all = WeightFile.ReadOptions(includeAll: true)
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
struct Replay {
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
