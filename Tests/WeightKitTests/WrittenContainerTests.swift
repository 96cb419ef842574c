import WeightKitTestSupport
import Crypto
import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// Every container WeightKit writes was loaded by its own framework's safe loader when the manifests in
/// fixtures/written/ were made (torch.load(weights_only=True), a NumPy-only unpickler, np.load, safetensors,
/// mx.nd.load, and torchvision's and MXNet's own models, whose outputs matched). These tests rerun the same
/// conversions and require the same bytes, so what the frameworks accepted is what WeightKit writes today.
@Suite struct WrittenContainerTests {
    struct Step: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var sha256: String
        }

        var source: String
        var layout: String?
        var loader: String
        var output_sha256: String
        var tensors: [String: Entry]?
    }

    /// The manifest's steps in file order (a step may read an earlier step's output).
    static func steps(_ manifest: String) throws -> [(name: String, step: Step)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("written/\(manifest)")))
        let steps = try JSONDecoder().decode([String: Step].self, from: data)
        let text = try #require(String(data: data, encoding: .utf8))
        let order = steps.keys.sorted { text.range(of: "\"\($0)\": {")!.lowerBound < text.range(of: "\"\($1)\": {")!.lowerBound }
        return order.map { ($0, steps[$0]!) }
    }

    static func sha256(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @Test(arguments: ["written.manifest.json", "written-mxnet.manifest.json"])
    func outputsAreTheBytesTheFrameworksLoaded(manifest: String) throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.url
        for (name, step) in try Self.steps(manifest) {
            let source = step.source.hasPrefix("verify/") || step.source.hasPrefix("zoo/") ? Fixtures.path(step.source)
                : directory.appendingPathComponent(step.source).path
            let output = directory.appendingPathComponent(name).path
            var conversion = Conversion()
            conversion.targetLayout = step.layout
            try conversion.run(from: source, to: output)
            // Outputs no framework loaded (an intermediate safetensors file carrying a source path) are
            // only a step on the way.
            guard step.loader != "none" else { continue }
            #expect(try Self.sha256(output) == step.output_sha256, "\(name) is no longer the file \(step.loader) loaded")
            let written = try WeightFile.read(output)
            for (tensorName, entry) in try #require(step.tensors) {
                let tensor = try #require(written[tensorName], "\(name): \(tensorName)")
                #expect(tensor.shape.dimensions == entry.shape, "\(name): \(tensorName)")
                let digest = tensor.data.withUnsafeBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
                #expect(digest == entry.sha256, "\(name): \(tensorName)")
            }
            #expect(written.count == step.tensors?.count, "\(name)")
        }
    }

    /// Conversions between frameworks keep the function: WeightKit's reference pass gives the same
    /// outputs for the source and the converted file (in its own channel order).
    @Test(arguments: [
        ("verify/torchvision-fasterrcnn-fpn.pth", "mmdet", "pth"),
        ("verify/torchvision-fasterrcnn-fpn.pth", "detectron2", "pkl"),
        ("verify/torchvision-fasterrcnn-fpn-v2.pth", "detectron2", "pth"),
        ("verify/mmdet-caffe-fpn.pth", "detectron2", "pkl"),
        ("verify/mmdet-caffe-fpn.pth", "maskrcnn-benchmark", "pth"),
        // Detectron names its FPN after each stage's last block, found in the network being written.
        ("verify/mmdet-caffe-fpn.pth", "detectron-caffe2", "pkl"),
        ("verify/mmdet-pytorch-fpn.pth", "torchvision-detection", "pth"),
        ("verify/timm-vovnet-ese.pth", "vovnet-detectron2", "pth"),
        ("verify/timm-vovnet-dw-ese.pth", "detectron2", "npz"),
        ("verify/torchvision-resnext.pth", "torchvision", "pth"),
        ("verify/gluon-resnet-v1.params", "detectron-caffe2", "pkl"),
        ("verify/gluoncv-resnet-v1b.params", "torchvision", "pth"),
        ("verify/mxnet-resnet-v2-0000.params", "mxnet-resnet-v2", "params"),
    ])
    func conversionsComputeTheSameFunction(source: String, layout: String, container: String) throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.url
        let output = directory.appendingPathComponent("converted.\(container)").path
        var conversion = Conversion()
        conversion.targetLayout = layout
        let report = try conversion.run(from: Fixtures.path(source), to: output)
        // Only heads the target lacks (a classifier on a detection backbone) and tensors that do nothing
        // (gluon's zero convolution biases) may be left out.
        #expect(report.inexpressible.allSatisfy { !$0.hasPrefix("backbone.") || $0.hasSuffix("conv1.bias") || $0.hasSuffix("conv2.bias") || $0.hasSuffix("conv3.bias") || $0.hasSuffix("shortcut.bias") },
                "\(source): \(report.inexpressible.prefix(4))")
        let a = try Verifier.load(Fixtures.path(source)), b = try Verifier.load(output)
        // Heads too: proposals pooled at p2 and p3 of a 64x64 input.
        let boxes = [RegionOfInterest(x1: 4, y1: 4, x2: 40, y2: 36), RegionOfInterest(x1: 0, y1: 0, x2: 200, y2: 200)]
        let comparisons = try Verifier().compare(a, b, input: .deterministic(channels: 3, height: 64, width: 64), boxes: boxes)
        #expect(Verifier.passes(comparisons))
        for comparison in comparisons {
            // A head the target lacks is not computed by the written file, and only that is left uncompared.
            let dropped = comparison.verdict == .noSignal && report.inexpressible.contains { !$0.hasPrefix("backbone.") }
            #expect(comparison.passed || dropped, "\(source) -> \(layout): \(comparison.output) off by \(comparison.relativeError)")
        }
    }

    /// What a target cannot express is refused, not approximated.
    @Test func stridePlacementATargetCannotStateIsRefused() throws {
        var conversion = Conversion()
        conversion.targetLayout = "torchvision-detection"
        let scratch = try ScratchDirectory()
        let output = scratch.path("refused.pth")
        #expect {
            try conversion.run(from: Fixtures.path("verify/mmdet-caffe-fpn.pth"), to: output)
        } throws: { error in
            "\(error)".contains("cannot state otherwise") && "\(error)".contains("1x1")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        // MXNet's input norm (bn_data) has no gluon name; it is not the identity, so it cannot be left out.
        conversion.targetLayout = "gluon"
        #expect { try conversion.run(from: Fixtures.path("verify/mxnext-resnet-0000.params"), to: output) } throws: { error in
            "\(error)".contains("input_norm")
        }
        // mmdetection's detector layouts do not describe a lone backbone.
        conversion.targetLayout = "mmdet"
        #expect { try conversion.run(from: Fixtures.path("verify/gluoncv-resnet-v1b.params"), to: output) } throws: { error in
            "\(error)".contains("lacks")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        conversion.targetLayout = "no-such-framework"
        #expect { try conversion.run(from: Fixtures.path("verify/mmdet-caffe-fpn.pth"), to: output) } throws: { error in
            "\(error)".contains("mmdet") && "\(error)".contains("torchvision-detection")
        }
    }

    /// Every dtype each container can hold comes back as written, through WeightKit's own readers.
    @Test(arguments: [("pth", true), ("pkl", false), ("npz", false), ("params", false), ("safetensors", true)])
    func everyDTypeRoundTrips(container: String, hasBFloat16: Bool) throws {
        var collection = TensorCollection(format: .safetensors)
        let dtypes: [DType] = [.float32, .float64, .float16, .int64, .int32, .int8, .uint8, .bool] + (hasBFloat16 ? [.bfloat16] : [])
        for (index, dtype) in dtypes.enumerated() {
            let shape = try Shape(index % 3 == 0 ? [2, 3] : [5])
            let bytes = (0..<(shape.elementCount * dtype.itemSize)).map { UInt8(truncatingIfNeeded: $0 * 7 + index) }
            let valid = dtype == .bool ? bytes.map { $0 & 1 } : bytes
            try collection.append(Tensor(name: "t\(index).\(dtype.rawValue)", dtype: dtype, shape: shape, data: TensorData(valid)))
        }
        let scratch = try ScratchDirectory()
        let path = scratch.path("dtypes.\(container)")
        let output = try AtomicOutputFile(destination: path, overwrite: false)
        try WeightFile.write(OutputDocument(tensors: collection.tensors.map(OutputTensor.init), metadata: ["weightkit.note": "x"]),
                             as: WeightFile.outputFormat(for: path), to: output)
        let read = try WeightFile.read(path)
        for tensor in collection.tensors {
            let back = try #require(read[tensor.name], "\(container): \(tensor.name)")
            #expect(back.dtype == tensor.dtype && back.shape == tensor.shape && back.data.bytes == tensor.data.bytes,
                    "\(container): \(tensor.name)")
        }
    }

    @Test func containersWithoutADTypeSayWhich() throws {
        var collection = TensorCollection(format: .safetensors)
        try collection.append(Tensor(name: "w", dtype: .bfloat16, shape: Shape([2]), data: TensorData([0, 0, 0, 0])))
        let scratch = try ScratchDirectory()
        let path = scratch.path("bf16.pkl")
        let output = try AtomicOutputFile(destination: path, overwrite: false)
        #expect { try WeightFile.write(OutputDocument(tensors: collection.tensors.map(OutputTensor.init), wrapping: .model),
                                       as: .pickle, to: output) } throws: { "\($0)".contains("bfloat16") }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// Inputs the `write` fuzz target found (fixtures/malformed/writers/): every container either refuses the
    /// tensors with a clear error or writes them so they read back unchanged.
    @Test func writerFindingsReadBackOrAreRefused() throws {
        let folder = Fixtures.path("malformed/writers")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let tensors = try findingTensors("\(folder)/\(file)")
            for container in ["pth", "pkl", "npz", "params", "safetensors"] {
                let scratch = try ScratchDirectory()
        let path = scratch.path("finding.\(container)")
                let output = try AtomicOutputFile(destination: path, overwrite: false)
                do throws(WeightKitError) {
                    try WeightFile.write(OutputDocument(tensors: tensors, wrapping: .model),
                                         as: WeightFile.outputFormat(for: path), to: output)
                } catch {
                    #expect(error.kind == .unsupported, "\(file) as \(container): \(error)")
                    #expect(!FileManager.default.fileExists(atPath: path))
                    continue
                }
                let back = try WeightFile.read(path)
                for tensor in tensors {
                    #expect(try back[tensor.name]?.data.bytes == tensor.bytes().bytes,
                            "\(file) as \(container)")
                }
            }
        }
    }

    /// A finding's tensors. A rank past its framework's is now refused when read, so such a shape reaches a
    /// writer only from a library caller: the writers get it as that caller would give it.
    private func findingTensors(_ path: String) throws -> [OutputTensor] {
        let collection: TensorCollection
        do {
            collection = try WeightFile.read(path)
        } catch {
            guard "\(error)".contains("at most 32 dimensions") else { throw error }
            let shape = try Shape([114, 100, 101, 114, 101, 100, 68, 105, 0, 14, 79, 114, 100, 101, 116, 113, 2, 99, 116,
                                   111, 114, 99, 104, 46, 95, 5315, 49, 46, 6, 88, 36, 0, 0, 0, 0, 32030900547, 101, 105,
                                   103, 104, 116, 113, 2, 99, 116, 111, 114, 99, 104, 46, 4029623050634, 116, 105, 108,
                                   115, 10, 95, 114, 101, 1, 0, 0, 0, 0, 0, 0, 0, 98, 117])
            return [OutputTensor(name: "tensor", dtype: .float32, shape: shape) { TensorData([]) }]
        }
        return collection.tensors.map(OutputTensor.init)
    }
}
