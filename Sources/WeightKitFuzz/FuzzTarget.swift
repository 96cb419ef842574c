// libFuzzer entry points for every reader. Build with scripts/fuzz (which defines WEIGHTKIT_FUZZ and links
// libFuzzer); a normal build gets a replay tool instead: WeightKitFuzz TARGET FILE... runs files through a
// target, so a crashing input can be reproduced under a debugger.
import Foundation
import WeightKit

/// What each fuzz target exercises, chosen by WEIGHTKIT_FUZZ_TARGET: `detect` (sniffing, every reader, the
/// layout engine), `pickle` (the bare pickle machine), `verify` (the forward pass), `target` (the layout
/// engine backwards, into every family), `write` (every writer, whose output WeightKit must read back),
/// `export` (the ONNX exporter, whose model WeightKit must read back with the same initializers), or
/// any registered reader by its name (`torch-zip`, `mxnet`, `caffe2`, ...), forced whatever the bytes say.
struct FuzzTarget {
    let name: String

    static var all: [String] { ["detect", "pickle", "verify", "target", "write", "export"] + WeightFileRegistry.readers.map { $0.name } }

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
        case "target":
            guard let collection = try? WeightFile.read(file, options: .init(limits: Self.limits)),
                  let canonical = try? CanonicalMapper.standard.map(collection).collection
            else { return }
            let mapper = TargetMapper()
            let structure = (try? RecognizedNetwork(canonical))?.structure ?? NetworkStructure()
            for target in mapper.targetNames {
                _ = try? mapper.map(canonical, to: target, structure: structure)
            }
        case "write":
            Self.write(file)
        case "export":
            Self.export(file)
        default:
            guard let reader = WeightFileRegistry.reader(named: name) else { return }
            _ = try? WeightFile.read(file, with: reader, options: all)
        }
    }

    /// Any readable file written in every container WeightKit writes; each output must read back with the
    /// same names, dtypes, shapes and bytes, or the fuzzer stops on it.
    private static func write(_ file: MappedFile) {
        guard let collection = try? WeightFile.read(file, options: .init(limits: limits)) else { return }
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        for (format, name) in [(WeightFormat.pytorchZip, "w.pth"), (.pickle, "w.pkl"), (.numpyNpz, "w.npz"),
                               (.mxnetParams, "w.params"), (.safetensors, "w.safetensors")] {
            let path = "\(directory)/weightkit-fuzz-\(getpid())-\(name)"
            guard let output = try? AtomicOutputFile(destination: path, overwrite: true) else { continue }
            // Refusals (a dtype the container lacks, a name it cannot hold) are fine; what is written must read back.
            let document = OutputDocument(tensors: collection.tensors.map(OutputTensor.init), wrapping: .model)
            guard (try? WeightFile.write(document, as: format, to: output)) != nil
            else { continue }
            defer { unlink(path) }
            guard let back = try? WeightFile.read(path) else { fatalError("\(format.rawValue): output does not read back") }
            for tensor in collection.tensors {
                guard let other = back[tensor.name] else { fatalError("\(format.rawValue): \(tensor.name) lost") }
                let scalarShape = format == .mxnetParams && tensor.shape.rank == 0
                guard other.dtype == tensor.dtype, scalarShape || other.shape == tensor.shape,
                      other.data.bytes == tensor.data.bytes
                else { fatalError("\(format.rawValue): \(tensor.name) changed") }
            }
        }
    }

    /// Any file with a network, exported as ONNX (with ROI heads, and the graph input preprocessed where
    /// the file says how); the model must read back with every initializer as the exporter wrote it.
    private static func export(_ file: MappedFile) {
        guard var collection = try? WeightFile.read(file, options: .init(limits: limits)) else { return }
        if collection.naming != .canonical {
            guard let mapped = try? CanonicalMapper.standard.map(collection).collection else { return }
            collection = mapped
        }
        guard let network = try? RecognizedNetwork(collection),
              let graph = try? network.onnxGraph(of: collection, options: ONNXExportOptions(preprocess: collection.semantics.pixelMean != nil))
        else { return }
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(directory)/weightkit-fuzz-\(getpid()).onnx"
        guard let output = try? AtomicOutputFile(destination: path, overwrite: true) else { return }
        let model = ONNXModel(graph: graph, opsetVersion: ONNXExportOptions.defaultOpset, producerName: "fuzz", producerVersion: "0")
        guard (try? ONNXModelWriter.write(model, to: output)) != nil, (try? output.commit()) != nil else {
            output.discard()
            return
        }
        defer { unlink(path) }
        guard let back = try? WeightFile.read(path) else { fatalError("the exported model does not read back") }
        for initializer in graph.initializers {
            guard let tensor = back[initializer.name], tensor.shape == initializer.shape, tensor.dtype == initializer.dtype,
                  let bytes = try? initializer.bytes(), tensor.data.bytes == bytes.bytes
            else { fatalError("initializer \(initializer.name) changed") }
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
        // Two proposals, so the box, mask and keypoint heads and ROIAlign run too.
        let boxes = [RegionOfInterest(x1: 2, y1: 3, x2: 20, y2: 30), RegionOfInterest(x1: 0, y1: 0, x2: 120, y2: 120)]
        // 64x48: the stem's 3x3 convs get enough 2x2 tiles for the float32 pass's Winograd path, with clipped edges.
        guard let input = try? Verifier.input(height: 64, width: 48, memory: memory),
              let reference = try? ReferenceNetwork(collection, memory: memory).run(input, boxes: boxes),
              let float32 = try? ReferenceNetwork(collection, memory: memory, precision: .float32).run(input, boxes: boxes)
        else { return }
        for ((name, value), (_, noise)) in zip(reference, float32) {
            _ = try? Verifier().compare(name, reference: value, candidate: value, noise: noise)
        }
    }
}

/// libFuzzer's entry point: runs the selected fuzz target on one input.
///
/// - Parameters:
///   - data: the input's bytes (nil when it is empty).
///   - size: the input's length in bytes.
/// - Returns: 0, as libFuzzer requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
