import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct VerificationTests {
    /// Head outputs per pyramid level, as torchvision's own heads produced them (make_head_fixtures.py).
    static let rpn = (2...6).flatMap { ["rpn.objectness.p\($0)", "rpn.deltas.p\($0)"] }
    static let retina = (3...7).flatMap { ["retina.cls.p\($0)", "retina.deltas.p\($0)"] }

    static let goldens: [(String, [String])] = [
        ("timm-vovnet-dw-ese.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("timm-vovnet-ese.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("timm-vovnet-v1.pth", ["stem", "stage2", "stage3", "stage4", "stage5", "logits"]),
        ("torchvision-resnext.pth", ["stem", "res2", "res3", "res4", "res5", "logits"]),
        ("mxnext-resnet-0000.params", ["stem", "res2", "res3", "res4", "res5"]),
        ("mxnext-fixgamma-0000.params", ["stem", "res2", "res3", "res4", "res5"]),
        ("gluon-resnet-v1.params", ["stem", "res2", "res3", "res4", "res5", "logits"]),
        ("gluoncv-resnet-v1b.params", ["stem", "res2", "res3", "res4", "res5", "logits"]),
        ("mxnet-resnet-v2-0000.params", ["stem", "res2", "res3", "res4", "res5", "logits"]),
        ("simpledet-fpn-0000.params", ["p2", "p3", "p4", "p5", "p6"]),
        ("torchvision-fasterrcnn-fpn.pth", ["p2", "p3", "p4", "p5", "p6"] + rpn),
        ("torchvision-fasterrcnn-fpn-v2.pth", ["p2", "p3", "p4", "p5", "p6"] + rpn),
        ("torchvision-retinanet-fpn.pth", ["p3", "p4", "p5", "p6", "p7"] + retina),
        ("torchvision-retinanet-fpn-v2.pth", ["p3", "p4", "p5", "p6", "p7"] + retina),
        ("mmdet-pytorch-fpn.pth", ["p2", "p3", "p4", "p5", "p6"]),
        ("mmdet-caffe-fpn.pth", ["p2", "p3", "p4", "p5", "p6"]),
    ]

    private func stem(_ file: String) -> String {
        file.replacingOccurrences(of: "-0000.params", with: "").replacingOccurrences(of: ".params", with: "")
            .replacingOccurrences(of: ".pth", with: "")
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

    /// The box head on fixed proposals (pooled at p2, p3 and p4, one box past the image's edge) against
    /// torchvision's MultiScaleRoIAlign, box head and predictor, compared in torchvision's class order.
    @Test(arguments: ["torchvision-fasterrcnn-fpn", "torchvision-fasterrcnn-fpn-v2"])
    func boxHeadMatchesTorchvision(name: String) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(name).pth"))
        #expect(model.collection.semantics.roiAlign == .torchvision)
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).input.npy"))
        let boxes = try Verifier.boxes(fromNpy: Fixtures.path("verify/\(name).boxes.npy"), height: input.height, width: input.width)
        #expect(Set(boxes.map { RoIAlignSemantics.torchvision.level(of: $0, levels: 2...5) }) == [2, 3, 4])
        let produced = try model.run(input, boxes: boxes)
        for output in ["box.cls_score", "box.bbox_pred"] {
            let saved = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).\(output).npy"))
            let actual = try #require(produced.first { $0.name == output }?.value)
            let (candidate, expected) = Verifier.inSourceOrder(output, produced: actual, expected: saved, layout: model.collection[.layout])
            let comparison = try Verifier().compare(output, reference: expected, candidate: candidate)
            #expect(comparison.passed && comparison.snrDecibels > 100, "\(name) \(output): \(comparison)")
        }
        // Another pooling (detectron2's aligned, adaptive ROIAlign) is a different function.
        var detectron2 = model.collection
        detectron2.semantics.roiAlign = .detectron2
        let other = try ReferenceNetwork(detectron2).run(input, boxes: boxes)
        let scores = try #require(other.first { $0.name == "box.cls_score" }?.value)
        let reference = try #require(produced.first { $0.name == "box.cls_score" }?.value)
        #expect(try Verifier().compare("box.cls_score", reference: reference, candidate: scores).passed == false)
    }

    /// detectron2's and mmdetection's pooling (aligned, adaptive ROIAlign, each with its own level mapper)
    /// against torchvision.ops.roi_align, which detectron2's ROIAlign wraps, with their level formulas.
    @Test(arguments: [RoIAlignSemantics.detectron2, .mmdet])
    func otherFrameworksPoolingMatches(pooling: RoIAlignSemantics) throws {
        let name = "torchvision-fasterrcnn-fpn"
        var collection = try Verifier.load(Fixtures.path("verify/\(name).pth")).collection
        collection.semantics.roiAlign = pooling
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).input.npy"))
        let boxes = try Verifier.boxes(fromNpy: Fixtures.path("verify/\(name).boxes.npy"), height: input.height, width: input.width)
        let produced = try #require(try ReferenceNetwork(collection).run(input, boxes: boxes).first { $0.name == "box.cls_score" }?.value)
        let saved = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).box.cls_score.\(pooling.rawValue).npy"))
        let (candidate, expected) = Verifier.inSourceOrder("box.cls_score", produced: produced, expected: saved, layout: collection[.layout])
        let comparison = try Verifier().compare("box.cls_score", reference: expected, candidate: candidate)
        #expect(comparison.passed && comparison.snrDecibels > 100, "\(pooling): \(comparison)")
    }

    /// Folding every norm (backbone, FPN and the v2 box head's convolutions) keeps every head's output, and a
    /// 1 % change of one head weight (the box predictor's scores) is caught there while the pyramid still
    /// passes.
    @Test func foldingKeepsTheHeadsAndAHeadChangeIsCaught() throws {
        let name = "torchvision-fasterrcnn-fpn-v2"
        let model = try Verifier.load(Fixtures.path("verify/\(name).pth"))
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).input.npy"))
        let boxes = try Verifier.boxes(fromNpy: Fixtures.path("verify/\(name).boxes.npy"), height: input.height, width: input.width)
        let folded = try BatchNormFolding.fold(model.collection)
        #expect(folded.collection["roi_heads.box_head.conv1.norm.weight"] == nil)
        let foldedModel = Verifier.Model(collection: folded.collection, network: try ReferenceNetwork(folded.collection))
        let comparisons = try Verifier().compare(model, foldedModel, input: input, boxes: boxes)
        #expect(comparisons.contains { $0.output == "box.bbox_pred" } && comparisons.contains { $0.output == "rpn.deltas.p6" })
        for comparison in comparisons { #expect(comparison.passed, "\(comparison.output)") }
        var changed = model.collection
        let weight = try #require(changed["roi_heads.box_predictor.cls_score.weight"])
        var values: [Double] = []
        _ = weight.forEachScalar { values.append($0 * 1.01) }
        try changed.replace(Tensor(name: weight.name, dtype: weight.dtype, shape: weight.shape, data: DTypeCast.encode(values, as: .float32)))
        let changedModel = Verifier.Model(collection: changed, network: try ReferenceNetwork(changed))
        let perturbed = try Verifier().compare(model, changedModel, input: input, boxes: boxes)
        #expect(perturbed.first { $0.output == "box.cls_score" }?.passed == false)
        #expect(perturbed.first { $0.output == "p2" }?.passed == true)
    }

    /// Boxes a library caller passes unchecked (NaN, infinite, enormous, inverted) pool to zeros or edge
    /// values, never a trap or an unbounded loop, under every pooling.
    @Test func hostileBoxesNeverTrap() throws {
        let model = try Verifier.load(Fixtures.path("verify/torchvision-maskrcnn-fpn.pth"))
        let input = FeatureMap.deterministic(channels: 3, height: 64, width: 64)
        let boxes = [RegionOfInterest(x1: .nan, y1: 0, x2: 10, y2: 10), RegionOfInterest(x1: -.infinity, y1: 0, x2: .infinity, y2: 1e300),
                     RegionOfInterest(x1: 50, y1: 50, x2: 10, y2: 10), RegionOfInterest(x1: -1e18, y1: -1e18, x2: 1e18, y2: 1e18)]
        for pooling in RoIAlignSemantics.allCases {
            var collection = model.collection
            collection.semantics.roiAlign = pooling
            let outputs = try ReferenceNetwork(collection).run(input, boxes: boxes)
            #expect(outputs.contains { $0.name == "mask.logits" })
        }
        #expect(throws: WeightKitError.self) {
            _ = try Verifier.boxes(fromNpy: Fixtures.path("verify/torchvision-maskrcnn-fpn.input.npy"), height: 64, width: 64)
        }
    }

    /// The mask head (4 convs, 2x2 transposed conv, predictor) and the keypoint head (8 convs, 4x4
    /// transposed conv, bilinear x2) on proposals pooled at 14x14, against torchvision's own heads.
    @Test(arguments: [("torchvision-maskrcnn-fpn", "mask.logits"), ("torchvision-keypointrcnn-fpn", "keypoint.logits")])
    func maskAndKeypointHeadsMatchTorchvision(name: String, output: String) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(name).pth"))
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).input.npy"))
        let boxes = try Verifier.boxes(fromNpy: Fixtures.path("verify/\(name).boxes.npy"), height: input.height, width: input.width)
        let actual = try #require(try model.run(input, boxes: boxes).first { $0.name == output }?.value)
        let saved = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).\(output).npy"))
        let (candidate, expected) = Verifier.inSourceOrder(output, produced: actual, expected: saved, layout: model.collection[.layout])
        #expect(candidate.values.count == expected.values.count)
        let comparison = try Verifier().compare(output, reference: expected, candidate: candidate)
        #expect(comparison.passed && comparison.snrDecibels > 100, "\(name) \(output): \(comparison)")
    }

    @Test(arguments: goldens.map(\.0) + [
        "../canonical/resnet50-topology-detectron.pkl", "../canonical/adelaidet-vovnet-fcos.pth",
        "../canonical/centermask-vovnet-fcos.pth", "../canonical/gluon-resnet50_v1-slim.params",
    ])
    func foldedWeightsComputeTheSameFunction(file: String) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(file)"))
        let folded = try BatchNormFolding.fold(model.collection)
        #expect(!folded.folded.isEmpty)
        // Only norms with no convolution before them stay (an input norm, a pre-activation network's block
        // inputs and final norm), and each is reported.
        let left = folded.collection.names.filter { $0.hasSuffix("norm.running_var") }
        #expect(left.allSatisfy { $0.contains("input_norm") || $0.contains("preact.") || $0.contains("postact.") }, "\(left)")
        #expect(left.count == folded.unfolded.count)
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

    /// The pass criterion separates rounding from a different function: a 1 % change of one conv's weights
    /// fails at every later output, while rounding-level noise (relative 1e-5 spread over the output)
    /// passes on SNR even where it exceeds rtol 1e-4 at one element.
    @Test func aOnePercentChangeFailsAndRoundingPasses() throws {
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"))
        var changed = model.collection
        let name = "backbone.bottom_up.stage3.OSA3_1.layers.1.OSA3_1_1/conv.weight"
        let tensor = try #require(changed[name])
        var values: [Double] = []
        _ = tensor.forEachScalar { values.append($0 * 1.01) }
        try changed.replace(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: DTypeCast.encode(values, as: .float32)))
        let other = Verifier.Model(collection: changed, network: try ReferenceNetwork(changed))
        let comparisons = try Verifier().compare(model, other, input: .deterministic(channels: 3, height: 48, width: 48))
        for output in ["stage3", "stage4", "stage5", "logits"] {
            #expect(comparisons.first { $0.output == output }?.passed == false, "\(output)")
        }
        // Rounding: every value off by about 1e-5 relative, one element by 3e-4 of max|reference|.
        let reference = FeatureMap(channels: 1, height: 100, width: 100, values: (0..<10_000).map { Float(sin(Double($0))) })
        var noisy = reference.values.enumerated().map { $0.element * (1 + ($0.offset % 2 == 0 ? 1e-5 : -1e-5)) }
        noisy[17] += 3e-4
        let rounding = try Verifier().compare("x", reference: reference, candidate: FeatureMap(channels: 1, height: 100, width: 100, values: noisy))
        #expect(rounding.passed && rounding.snrDecibels > 80, "\(rounding)")
        var strict = Verifier()
        strict.minimumSNR = .infinity
        #expect(try strict.compare("x", reference: reference, candidate: FeatureMap(channels: 1, height: 100, width: 100, values: noisy)).passed == false)
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

    /// A copy of `collection` whose tensor `name` has its first value replaced by `value`.
    private func replacingFirstValue(of name: String, in collection: TensorCollection, with value: Float) throws
        -> TensorCollection
    {
        var changed = collection
        let tensor = try #require(changed[name])
        var bytes = tensor.data.bytes
        bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) })
        try changed.replace(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: TensorData(bytes)))
        return changed
    }

    /// NaN or infinity in either output fails unless both hold the same non-finite values at the same places;
    /// a NaN reference used to make the tolerance infinite and pass anything.
    @Test func nonFiniteOutputsFailUnlessIdentical() throws {
        let model = try Verifier.load(Fixtures.path("verify/torchvision-resnext.pth"))
        let stem = "backbone.bottom_up.stem.conv1.weight"
        let poisoned = try replacingFirstValue(of: stem, in: model.collection, with: .nan)
        let nanModel = Verifier.Model(collection: poisoned, network: try ReferenceNetwork(poisoned))
        let input = FeatureMap.deterministic(channels: 3, height: 32, width: 32)
        for (reference, candidate) in [(model, nanModel), (nanModel, model)] {
            let comparisons = try Verifier().compare(reference, candidate, input: input)
            #expect(!comparisons.isEmpty)
            #expect(comparisons.allSatisfy { !$0.passed })
            #expect(comparisons.allSatisfy { $0.failureReason?.contains("NaN or infinite") == true })
        }
        let same = try Verifier().compare(nanModel, nanModel, input: input)
        #expect(same.allSatisfy { $0.passed })
        let infinite = FeatureMap(channels: 1, height: 1, width: 2, values: [.infinity, 1])
        let negated = FeatureMap(channels: 1, height: 1, width: 2, values: [-.infinity, 1])
        #expect(try Verifier().compare("x", reference: infinite, candidate: negated).passed == false)
        #expect(try Verifier().compare("x", reference: infinite, candidate: infinite).passed)
    }

    /// The forward pass reserves every map before allocating it and refuses what would pass its limit.
    @Test func memoryIsPlannedBeforeAllocating() throws {
        // A 90,000-channel stem: its output at 224x224 would be 4.5 GB.
        var wide = TensorCollection(format: .safetensors, metadata: ["weightkit.names": "canonical"])
        let channels = 90_000
        try wide.append(Tensor(name: "backbone.bottom_up.stem.conv1.weight", dtype: .float32,
                               shape: Shape([channels, 3, 1, 1]), data: TensorData([UInt8](repeating: 0, count: channels * 12))))
        try wide.append(Tensor(name: "backbone.bottom_up.res2.0.conv1.weight", dtype: .float32,
                               shape: Shape([1, channels, 1, 1]), data: TensorData([UInt8](repeating: 0, count: channels * 4))))
        let memory = ForwardMemory()
        let network = try ReferenceNetwork(wide, memory: memory)
        let input = try Verifier.input(height: 224, width: 224, memory: memory)
        do {
            _ = try network.run(input)
            Issue.record("a 4.5 GB activation was allocated")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.description.contains("memory limit"), "\(error)")
        }
        #expect(memory.peak < 16 << 20)

        // An input of 64 x 100,000,000 pixels is refused before it exists.
        #expect(throws: WeightKitError.self) { try Verifier.input(height: 64, width: 100_000_000, memory: ForwardMemory()) }

        // A whole real network with a small limit: refused part way, never past the limit.
        let small = ForwardMemory(limit: 24 << 20)
        let vovnet = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"), memory: small)
        do {
            _ = try vovnet.run(try Verifier.input(height: 1024, width: 1024, memory: small))
            Issue.record("ran within 24 MiB at 1024x1024")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.file?.hasSuffix("timm-vovnet-ese.pth") == true)
        }
        #expect(small.peak <= 24 << 20)
    }

    /// The plan follows what is live: maps are returned as the pass moves on, so the peak of a whole pass
    /// is far below the sum of every map it made.
    @Test func reservationsAreReturned() throws {
        let memory = ForwardMemory()
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"), memory: memory)
        let weightsOnly = memory.peak
        do {
            let outputs = try model.run(try Verifier.input(height: 64, width: 64, memory: memory))
            #expect(!outputs.isEmpty)
        }
        let again = try model.run(try Verifier.input(height: 64, width: 64, memory: memory))
        #expect(!again.isEmpty)
        #expect(memory.peak > weightsOnly)
        #expect(memory.peak < 2 * weightsOnly + (8 << 20))
    }

    @Test func ceilModeMaxPoolKeepsTheLastWindow() {
        let map = FeatureMap(channels: 1, height: 4, width: 4, values: (0..<16).map(Float.init))
        let pooled = Operations.maxPool(map, kernel: 3, stride: 2, padding: 0, ceilMode: true)
        #expect(pooled.height == 2 && pooled.width == 2)
        #expect(pooled.values == [10, 11, 14, 15])
    }

    /// Both convolution paths (Winograd for 3x3 "same" maps with enough tiles, im2col for the rest, bands
    /// split over the cores) against a float64 sum, on odd sizes so that edge tiles and bands are clipped.
    @Test(arguments: [(16, 24, 37, 29, 1), (16, 24, 37, 29, 2), (8, 8, 5, 7, 1), (24, 16, 64, 3, 1)])
    func convolutionsMatchADirectSum(inChannels: Int, outChannels: Int, height: Int, width: Int, stride: Int) throws {
        let blas = try BLAS.load()
        let input = FeatureMap.deterministic(channels: inChannels, height: height, width: width, seed: 7)
        let weight = FeatureMap.deterministic(channels: outChannels * inChannels, height: 3, width: 3, seed: 11).values
        let shape = Operations.ConvolutionShape(stride: stride, padding: 1)
        let output = Operations.conv2d(input, weight: weight, outChannels: outChannels, kernel: (3, 3), bias: nil, shape, blas: blas)
        var worst = 0.0, largest = 0.0
        for out in 0..<outChannels {
            for y in 0..<output.height {
                for x in 0..<output.width {
                    var sum = 0.0
                    for channel in 0..<inChannels {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = y * stride - 1 + ky, ix = x * stride - 1 + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                sum += Double(input.values[(channel * height + iy) * width + ix])
                                    * Double(weight[((out * inChannels + channel) * 3 + ky) * 3 + kx])
                            }
                        }
                    }
                    largest = max(largest, abs(sum))
                    worst = max(worst, abs(sum - Double(output.values[(out * output.height + y) * output.width + x])))
                }
            }
        }
        #expect(worst <= 1e-6 * largest, "max error \(worst) of \(largest)")
    }

    @Test func winogradTakesOnlyWhatItComputesExactly() {
        let same = Operations.ConvolutionShape(stride: 1, padding: 1)
        #expect(Operations.usesWinograd(inChannels: 16, outChannels: 24, outH: 37, outW: 29, kernel: (3, 3), same))
        #expect(!Operations.usesWinograd(inChannels: 16, outChannels: 24, outH: 37, outW: 29, kernel: (3, 3),
                                         .init(stride: 2, padding: 1)))
        #expect(!Operations.usesWinograd(inChannels: 16, outChannels: 24, outH: 37, outW: 29, kernel: (3, 3),
                                         .init(stride: 1, padding: 1, groups: 2)))
        #expect(!Operations.usesWinograd(inChannels: 16, outChannels: 24, outH: 7, outW: 7, kernel: (3, 3), same))
        #expect(!Operations.usesWinograd(inChannels: 16, outChannels: 24, outH: 37, outW: 29, kernel: (1, 1), same))
    }
}
