import Foundation
import Testing
import WeightKitTestSupport

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats

/// ONNX models' initializers: files torch.onnx wrote (`fixtures/onnx/make_torch_onnx.py`) read with the
/// exporter's names and bytes, external data mapped from beside the model and kept inside its folder, and
/// crafted files (`fixtures/malformed/onnx/make_onnx.py`) refused with one error.
@Suite struct ONNXReaderTests {
    static let exports = [
        "torchvision-resnet/ts-preserve.onnx", "torchvision-resnet/ts-folded.onnx", "torchvision-resnet/dynamo.onnx",
        "torchvision-resnet/ts-external/model.onnx", "torchvision-resnet/dynamo-external/model.onnx",
        "timm-vovnet/ts-preserve.onnx", "timm-vovnet/dynamo.onnx",
    ]

    @Test(arguments: exports)
    func readsWhatTorchOnnxWrote(_ relative: String) throws {
        let collection = try WeightFile.read(Fixtures.path("onnx/" + relative))
        #expect(collection.format == .onnx)
        Fixtures.expectMatches(collection, try Fixtures.manifest("onnx/" + relative + ".manifest.json"))
        #expect(collection.metadata["onnx.producer"]?.hasPrefix("pytorch") == true)
    }

    @Test func externalDataIsMappedFromBesideTheModel() throws {
        let collection = try WeightFile.read(Fixtures.path("onnx/torchvision-resnet/ts-external/model.onnx"))
        #expect(!collection.tensors.isEmpty)
        #expect(collection.tensors.contains { $0.data.isMapped })
    }

    @Test func preservedNamesMapToTheNetworkAndVerify() throws {
        let folder = Fixtures.path("onnx/torchvision-resnet")
        let model = try Verifier.load(folder + "/ts-preserve.onnx")
        let comparison = try Verifier().check(model, output: "logits", expected: try Verifier.featureMap(fromNpy: folder + "/ref/logits.npy"),
                                              input: try Verifier.featureMap(fromNpy: folder + "/input.npy"))
        #expect(comparison.passed, "\(comparison)")
    }

    static let crafted = [
        "external-parent.onnx", "external-absolute.onnx", "external-past-end.onnx", "external-wrong-length.onnx",
        "rank-65.onnx", "raw-data-short.onnx", "float-data-count.onnx", "string-tensor.onnx", "negative-dimension.onnx",
        "nested-graphs.onnx", "truncated.onnx",
    ]

    @Test(arguments: crafted)
    func craftedFilesAreRefused(_ name: String) {
        let path = Fixtures.path("malformed/onnx/" + name)
        #expect {
            try WeightFile.read(path)
        } throws: { error in
            guard let error = error as? WeightKitError else { return false }
            return HostileInputTests.damageKinds.contains(error.kind) && "\(error)".contains(path)
        }
    }

    @Test func externalDataThroughALinkOutOfTheFolderIsRefused() throws {
        let scratch = try ScratchDirectory()
        let folder = scratch.path("model")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = Fixtures.path("onnx/torchvision-resnet/ts-external/model.onnx")
        try FileManager.default.copyItem(atPath: model, toPath: folder + "/model.onnx")
        try FileManager.default.copyItem(atPath: model + ".data", toPath: scratch.path("outside.data"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/model.onnx.data", withDestinationPath: "../outside.data")
        #expect {
            try WeightFile.read(folder + "/model.onnx")
        } throws: { error in
            "\(error)".contains("leads outside the model's folder")
        }
    }

    /// Protobufs carry no magic: a Caffe2 TensorProto whose dims, float_data and name start like an ONNX
    /// model's ir_version, producer_version and graph is still read as the Caffe2 tensor it is.
    @Test func aCaffe2TensorThatStartsLikeAModelIsReadAsCaffe2() throws {
        let floats: [Float] = [1, 2, 3, 4, 5]
        let data = floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let bytes: [UInt8] = [0x08, 0x05, 0x1A, UInt8(data.count)] + data + [0x3A, 0x01, UInt8(ascii: "x")]
        let scratch = try ScratchDirectory()
        let collection = try WeightFile.read(try scratch.write(bytes, to: "tensor.pb"))
        #expect(collection.format == .caffe2Protobuf)
        #expect(collection.tensors.map(\.name) == ["x"] && collection.tensors.first?.shape.dimensions == [5])
    }
}
