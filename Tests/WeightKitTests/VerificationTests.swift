import Foundation
import Testing

@testable import WeightKit

@Suite struct VerificationTests {
    static let goldens: [(String, [String])] = [
        ("timm-vovnet-dw-ese.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("timm-vovnet-ese.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("timm-vovnet-v1.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("torchvision-resnext.pth", ["stem", "res2", "res3", "res4", "res5", "logits"]),
        ("mxnext-resnet-0000.params", ["stem", "res2", "res3", "res4", "res5"]),
    ]

    private func stem(_ file: String) -> String {
        file.replacingOccurrences(of: "-0000.params", with: "").replacingOccurrences(of: ".pth", with: "")
    }

    @Test(arguments: goldens)
    func forwardPassMatchesTheRealFramework(file: String, outputs: [String]) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(file)"))
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(stem(file)).input.npy"))
        let produced = try model.network.run(input)
        let verifier = Verifier()
        for output in outputs {
            let expected = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(stem(file)).\(output).npy"))
            let actual = try #require(produced.first { $0.name == output }?.value, "\(file) lacks \(output)")
            let comparison = try verifier.compare(output, reference: expected, candidate: actual)
            #expect(comparison.passed, "\(file) \(output): relative error \(comparison.relativeError)")
            #expect(comparison.snrDecibels > 100, "\(file) \(output)")
        }
    }

    @Test(arguments: goldens.map(\.0) + [
        "../canonical/resnet50-topology-detectron.pkl", "../canonical/adelaidet-vovnet-fcos.pth",
        "../canonical/centermask-vovnet-fcos.pth", "../canonical/gluon-resnet50_v1-slim.params",
    ])
    func foldedWeightsComputeTheSameFunction(file: String) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(file)"))
        let folded = try BatchNormFolding.fold(model.collection)
        #expect(!folded.folded.isEmpty)
        #expect(!folded.collection.names.contains { $0.hasSuffix("norm.running_var") && !$0.contains("input_norm") })
        let foldedModel = Verifier.Model(collection: folded.collection, network: try ReferenceNetwork(folded.collection))
        let comparisons = try Verifier().compare(model, foldedModel, input: .deterministic(channels: 3, height: 48, width: 48))
        #expect(!comparisons.isEmpty)
        for comparison in comparisons {
            #expect(comparison.passed, "\(file) \(comparison.output): \(comparison.relativeError)")
        }
    }

    @Test func inputNormCannotFoldAndIsReported() throws {
        let model = try Verifier.load(Fixtures.path("verify/mxnext-resnet-0000.params"))
        let folded = try BatchNormFolding.fold(model.collection)
        #expect(folded.unfolded.count == 1)
        #expect(folded.unfolded.first?.hasPrefix("backbone.bottom_up.input_norm") == true)
        #expect(folded.collection["backbone.bottom_up.input_norm.running_var"] != nil)
    }

    @Test func affineChannelFoldsToItsScaleAndShift() throws {
        let mapped = try CanonicalMapper.standard.map(WeightFile.read(Fixtures.path("detectron/detectron-py2.pkl"))).collection
        let folded = try BatchNormFolding.fold(mapped).collection
        func floats(_ collection: TensorCollection, _ name: String) throws -> [Double] {
            var values: [Double] = []
            try #require(collection[name]).forEachScalar { values.append($0) }
            return values
        }
        let scale = try floats(mapped, "backbone.bottom_up.stem.conv1.norm.weight")
        let shift = try floats(mapped, "backbone.bottom_up.stem.conv1.norm.bias")
        let weight = try floats(mapped, "backbone.bottom_up.stem.conv1.weight")
        let foldedWeight = try floats(folded, "backbone.bottom_up.stem.conv1.weight")
        let foldedBias = try floats(folded, "backbone.bottom_up.stem.conv1.bias")
        let perOutput = weight.count / scale.count
        for index in weight.indices {
            #expect(abs(foldedWeight[index] - weight[index] * scale[index / perOutput]) <= 1e-6 * abs(weight[index]) + 1e-12)
        }
        for channel in shift.indices { #expect(abs(foldedBias[channel] - shift[channel]) < 1e-6) }
    }

    @Test func aPerturbedWeightIsCaught() throws {
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"))
        var perturbed = model.collection
        let name = "backbone.bottom_up.stage3.OSA3_1.layers.1.OSA3_1_1/conv.weight"
        let tensor = try #require(perturbed[name])
        var bytes = tensor.data.bytes
        // One weight of one conv in stage 3 becomes 0.5: a corruption a bit-flip in an exponent would cause.
        bytes.replaceSubrange(40..<44, with: withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { Array($0) })
        try perturbed.replace(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: TensorData(bytes)))
        let other = Verifier.Model(collection: perturbed, network: try ReferenceNetwork(perturbed))
        let comparisons = try Verifier().compare(model, other, input: .deterministic(channels: 3, height: 48, width: 48))
        #expect(comparisons.first { $0.output == "stage2" }?.passed == true)
        #expect(comparisons.first { $0.output == "stage5" }?.passed == false)
    }

    @Test func detectorOutputsAreNamedLikeDetectron2() throws {
        let model = try Verifier.load(Fixtures.path("canonical/adelaidet-vovnet-fcos.pth"))
        let names = try model.network.run(.deterministic(channels: 3, height: 64, width: 64)).map(\.name)
        for name in ["stem", "stage2", "stage5", "p3", "p5", "p6", "p7", "fcos_cls_logits.p3", "fcos_bbox_pred.p7"] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
    }

    /// Weights that do not fit together (a file can say anything) fail with an error, never a trap.
    @Test func mismatchedWeightsFailCleanly() throws {
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"))
        for name in ["backbone.bottom_up.stage2.OSA2_1.concat.OSA2_1_concat/norm.running_var",
                     "backbone.bottom_up.stage3.OSA3_1.ese.fc.bias", "head.fc.bias"] {
            var broken = model.collection
            let tensor = try #require(broken[name])
            try broken.replace(Tensor(name: name, dtype: tensor.dtype, shape: Shape([1]),
                                      data: TensorData(Array(tensor.data.bytes.prefix(4)))))
            #expect(throws: WeightKitError.self, "\(name)") {
                try ReferenceNetwork(broken).run(.deterministic(channels: 3, height: 32, width: 32))
            }
        }
    }

    @Test func ceilModeMaxPoolKeepsTheLastWindow() {
        let map = FeatureMap(channels: 1, height: 4, width: 4, values: (0..<16).map(Float.init))
        let pooled = Operations.maxPool(map, kernel: 3, stride: 2, padding: 0, ceilMode: true)
        #expect(pooled.height == 2 && pooled.width == 2)
        #expect(pooled.values == [10, 11, 14, 15])
    }
}
