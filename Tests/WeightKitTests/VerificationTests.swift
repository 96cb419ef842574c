import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct VerificationTests {
    /// A weight whose rank contradicts its role in a head (a scalar box predictor, a matrix RPN convolution)
    /// is refused at recognition, naming the tensor, instead of being named and converted.
    @Test(arguments: [
        ("roi_heads.box_predictor.cls_score.weight", [Int](), 2),
        ("proposal_generator.rpn_head.objectness_logits.weight", [3, 8], 4),
        ("roi_heads.mask_head.predictor.weight", [3], 4),
        ("backbone.fpn_lateral2.weight", [8, 16], 4),
    ])
    func headWeightsOfTheWrongRankAreRefused(name: String, shape: [Int], rank: Int) throws {
        var tensors = TensorCollection(format: .safetensors)
        let count = shape.reduce(1, *)
        try tensors.append(Tensor(name: "backbone.bottom_up.stem.conv1.weight", dtype: .float32, shape: Shape([4, 3, 7, 7]),
                                  data: TensorData([UInt8](repeating: 0, count: 4 * 3 * 49 * 4))))
        try tensors.append(Tensor(name: name, dtype: .float32, shape: Shape(shape), data: TensorData([UInt8](repeating: 0, count: count * 4))))
        #expect {
            _ = try RecognizedNetwork(tensors)
        } throws: { error in
            let message = "\(error)"
            return message.contains(name) && message.contains("where the network needs rank \(rank)")
        }
    }

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

    /// The framework's saved outputs against the reference pass, held to the float32 pass's spread.
    @Test(arguments: goldens)
    func forwardPassMatchesTheRealFramework(file: String, outputs: [String]) throws {
        let model = try Verifier.load(Fixtures.path("verify/\(file)"))
        let input = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(stem(file)).input.npy"))
        let reference = try model.run(input), float32 = try model.run(input, precision: .float32)
        for output in outputs {
            let expected = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(stem(file)).\(output).npy"))
            let produced = try #require(reference.first { $0.name == output }?.value, "\(file) lacks \(output)")
            let noise = try #require(float32.first { $0.name == output }?.value)
            let comparison = try Verifier().compare(output, reference: produced, candidate: expected, noise: noise)
            // Tiny fixtures leave a bias-dominated head constant at its top levels: no signal, never a pass.
            #expect(comparison.verdict != .fail, "\(file) \(output): \(comparison)")
            #expect(comparison.snrDecibels > 100, "\(file) \(output)")
        }
    }

    /// A framework output saved by `name`'s fixture script, checked as `verify --expect` checks it.
    private func check(_ model: Verifier.Model, _ name: String, _ output: String, input: FeatureMap, boxes: [RegionOfInterest],
                       suffix: String = "") throws -> Verifier.Comparison {
        let saved = try Verifier.featureMap(fromNpy: Fixtures.path("verify/\(name).\(output)\(suffix).npy"))
        return try Verifier().check(model, output: output, expected: saved, input: input, boxes: boxes)
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
        for output in ["box.cls_score", "box.bbox_pred"] {
            let comparison = try check(model, name, output, input: input, boxes: boxes)
            #expect(comparison.passed && comparison.snrDecibels > 100, "\(name) \(output): \(comparison)")
        }
        // Another pooling (detectron2's aligned, adaptive ROIAlign) is a different function.
        var detectron2 = model.collection
        detectron2.semantics.roiAlign = .detectron2
        let other = try check(Verifier.Model(collection: detectron2), name, "box.cls_score", input: input, boxes: boxes)
        #expect(other.passed == false)
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
        let comparison = try check(Verifier.Model(collection: collection), name, "box.cls_score", input: input, boxes: boxes,
                                   suffix: ".\(pooling.rawValue)")
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
        let foldedModel = Verifier.Model(collection: folded.collection)
        let comparisons = try Verifier().compare(model, foldedModel, input: input, boxes: boxes)
        #expect(comparisons.contains { $0.output == "box.bbox_pred" } && comparisons.contains { $0.output == "rpn.deltas.p6" })
        for comparison in comparisons { #expect(comparison.passed, "\(comparison.output)") }
        var changed = model.collection
        let weight = try #require(changed["roi_heads.box_predictor.cls_score.weight"])
        var values: [Double] = []
        _ = weight.forEachScalar { values.append($0 * 1.01) }
        try changed.replace(Tensor(name: weight.name, dtype: weight.dtype, shape: weight.shape, data: DTypeCast.encode(values, as: .float32)))
        let changedModel = Verifier.Model(collection: changed)
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
        let comparison = try check(model, name, output, input: input, boxes: boxes)
        #expect(comparison.passed && comparison.snrDecibels > 100, "\(name) \(output): \(comparison)")
    }

    @Test(arguments: goldens.map(\.0) + [
        "../canonical/resnet50-topology-detectron.pkl", "../canonical/gluon-resnet50_v1-slim.params",
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
        let foldedModel = Verifier.Model(collection: folded.collection)
        let comparisons = try Verifier().compare(model, foldedModel, input: .deterministic(channels: 3, height: 48, width: 48))
        #expect(!comparisons.isEmpty)
        #expect(Verifier.passes(comparisons), "\(file)")
        for comparison in comparisons {
            #expect(comparison.verdict != .fail, "\(file) \(comparison.output): \(comparison)")
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
        let other = Verifier.Model(collection: perturbed)
        let comparisons = try Verifier().compare(model, other, input: .deterministic(channels: 3, height: 48, width: 48))
        #expect(comparisons.first { $0.output == "stage2" }?.passed == true)
        #expect(comparisons.first { $0.output == "stage5" }?.passed == false)
    }

    /// The pass criterion separates rounding from a different function: a 1 % change of one conv's weights
    /// fails at every later output, while noise within the floor passes and noise past it fails.
    @Test func aOnePercentChangeFailsAndRoundingPasses() throws {
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"))
        var changed = model.collection
        let name = "backbone.bottom_up.stage3.OSA3_1.layers.1.OSA3_1_1/conv.weight"
        let tensor = try #require(changed[name])
        var values: [Double] = []
        _ = tensor.forEachScalar { values.append($0 * 1.01) }
        try changed.replace(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: DTypeCast.encode(values, as: .float32)))
        let comparisons = try Verifier().compare(model, Verifier.Model(collection: changed), input: .deterministic(channels: 3, height: 48, width: 48))
        for output in ["stage3", "stage4", "stage5", "logits"] {
            #expect(comparisons.first { $0.output == output }?.passed == false, "\(output)")
        }
        #expect(comparisons.first { $0.output == "stage2" }?.passed == true)
        // A candidate off by 5x the spread of the noise estimate passes; by 10x fails.
        let reference = FeatureMap(channels: 1, height: 100, width: 100, values: (0..<10_000).map { Float(sin(Double($0))) })
        let spread = reference.values.enumerated().map { $0.element * (1 + ($0.offset % 2 == 0 ? 1e-6 : -1e-6)) }
        let noise = FeatureMap(channels: 1, height: 100, width: 100, values: spread)
        for (factor, passes) in [(5.0, true), (10.0, false)] {
            let candidate = reference.values.enumerated().map { $0.element * Float(1 + factor * ($0.offset % 2 == 0 ? -1e-6 : 1e-6)) }
            let comparison = try Verifier().compare("x", reference: reference, candidate: FeatureMap(channels: 1, height: 100, width: 100, values: candidate),
                                                    noise: noise)
            #expect(comparison.passed == passes, "\(factor)x: \(comparison)")
        }
    }

    @Test func detectorOutputsAreNamedLikeDetectron2() throws {
        let model = try Verifier.load(Fixtures.path("canonical/adelaidet-vovnet-fcos.pth"))
        let names = try model.run(.deterministic(channels: 3, height: 64, width: 64)).map(\.name)
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

    /// Weights that are NaN or infinite are refused with the tensor's name: a network computing with them
    /// would verify equal to itself and prove nothing. Outputs with nothing to compare fail with the reason.
    @Test func noPassWithoutASignal() throws {
        let model = try Verifier.load(Fixtures.path("verify/torchvision-resnext.pth"))
        let stem = "backbone.bottom_up.stem.conv1.weight"
        let poisoned = Verifier.Model(collection: try replacingFirstValue(of: stem, in: model.collection, with: .nan))
        let input = FeatureMap.deterministic(channels: 3, height: 32, width: 32)
        for (reference, candidate) in [(model, poisoned), (poisoned, model), (poisoned, poisoned)] {
            #expect { try Verifier().compare(reference, candidate, input: input) } throws: { error in
                "\(error)".contains(stem) && "\(error)".contains("NaN")
            }
        }
        let map = { (values: [Float]) in FeatureMap(channels: 1, height: 1, width: values.count, values: values) }
        let noise = map([.infinity, 1])
        #expect(try Verifier().compare("x", reference: map([.infinity, 1]), candidate: map([-.infinity, 1]), noise: noise).passed == false)
        #expect(try Verifier().compare("x", reference: map([.infinity, 1]), candidate: map([.infinity, 1]), noise: noise).passed)
        for (values, phrase) in [([Float.nan, .nan], "NaN or infinite everywhere"), ([3, 3, 3], "everywhere"), ([], "empty")] {
            let comparison = try Verifier().compare("x", reference: map(values), candidate: map(values), noise: map(values))
            #expect(!comparison.passed && comparison.failureReason?.contains(phrase) == true, "\(values): \(comparison)")
        }
        // A kernel wider than its padded input makes an empty output: refused, naming the weight.
        var wide = model.collection
        let tensor = try #require(wide[stem])
        let shape = [tensor.shape.dimensions[0], 3, 1, 601]
        try wide.replace(Tensor(name: stem, dtype: .float32, shape: Shape(shape), data: TensorData([UInt8](repeating: 0, count: shape.reduce(1, *) * 4))))
        #expect { try Verifier.Model(collection: wide).run(.deterministic(channels: 3, height: 64, width: 64)) } throws: { error in
            "\(error)".contains(stem) && "\(error)".contains("empty")
        }
    }

    /// A tensor whose shape contradicts where the recognised network reads it (an FPN P7 convolution taking
    /// C5's width where P7 reads P6) is an error naming it and its shape, when mapping and when verifying;
    /// a file that merely lacks tensors still maps.
    @Test func shapesAreCheckedAgainstTheNetwork() throws {
        let canonical = try CanonicalMapper.standard.mapNetwork(WeightFile.read(Fixtures.path("verify/torchvision-retinanet-fpn.pth")))
            .mapping.collection
        let p7 = "backbone.top_block.p7.weight"
        let tensor = try #require(canonical[p7])
        let dims = tensor.shape.dimensions
        let wrong = [dims[0], dims[1] * 8, dims[2], dims[3]]
        var broken = canonical
        try broken.replace(Tensor(name: p7, dtype: tensor.dtype, shape: Shape(wrong), data: TensorData([UInt8](repeating: 0, count: wrong.reduce(4, *)))))
        #expect { try RecognizedNetwork(broken).checkShapes(of: broken) } throws: { error in
            "\(error)".contains(p7) && "\(error)".contains("\(wrong)") && "\(error)".contains("\(dims[1]) channels")
        }
        var partial = canonical.replacingTensors()
        for tensor in canonical.tensors where tensor.name != "backbone.fpn_output3.weight" { try partial.append(tensor) }
        try RecognizedNetwork(partial).checkShapes(of: partial)
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
        let weightsOnly = memory.peak
        do {
            _ = try network.run(input)
            Issue.record("a 4.5 GB activation was allocated")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.description.contains("memory limit"), "\(error)")
        }
        #expect(memory.peak < weightsOnly + (16 << 20))

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

    /// The plan follows what is live: maps are returned as the pass moves on, and a network's weights when
    /// it goes away, so the peak of two passes is far below the sum of every map and weight they made.
    @Test func reservationsAreReturned() throws {
        let memory = ForwardMemory()
        let model = try Verifier.load(Fixtures.path("verify/timm-vovnet-ese.pth"), memory: memory)
        let weights = model.collection.tensors.filter(\.dtype.isFloatingPoint).reduce(0) { $0 + $1.elementCount * 4 }
        let first = try model.run(try Verifier.input(height: 64, width: 64, memory: memory))
        let again = try model.run(try Verifier.input(height: 64, width: 64, memory: memory), precision: .float32)
        #expect(!first.isEmpty && !again.isEmpty)
        #expect(memory.peak > weights)
        #expect(memory.peak < 2 * weights + (8 << 20))
    }

    @Test func ceilModeMaxPoolKeepsTheLastWindow() {
        let map = FeatureMap(channels: 1, height: 4, width: 4, values: (0..<16).map(Float.init))
        let pooled = Operations.maxPool(map, kernel: 3, stride: 2, padding: 0, ceilMode: true)
        #expect(pooled.height == 2 && pooled.width == 2)
        #expect(pooled.values == [10, 11, 14, 15])
    }

    /// Every convolution path (Winograd for 3x3 "same" maps with enough tiles and im2col in float32, float64
    /// sums in the reference precision, bands split over the cores) against a float64 sum, on odd sizes so
    /// that edge tiles and bands are clipped. The reference rounds once per output: within half a float32 ulp.
    @Test(arguments: [(16, 24, 37, 29, 1), (16, 24, 37, 29, 2), (8, 8, 5, 7, 1), (24, 16, 64, 3, 1)])
    func convolutionsMatchADirectSum(inChannels: Int, outChannels: Int, height: Int, width: Int, stride: Int) throws {
        let blas = try BLAS.load()
        let input = FeatureMap.deterministic(channels: inChannels, height: height, width: width, seed: 7)
        let weight = FeatureMap.deterministic(channels: outChannels * inChannels, height: 3, width: 3, seed: 11).values
        let shape = Operations.ConvolutionShape(stride: stride, padding: 1)
        for precision in [ForwardPrecision.float32, .reference] {
            let convolution = Operations.Convolution(kernel: (3, 3), shape: shape, outChannels: outChannels, precision: precision)
            let output = Operations.conv2d(input, weight: weight, bias: nil, convolution, blas: blas)
            var worst = 0.0, worstRounding = 0.0, largest = 0.0
            for out in 0..<outChannels {
                for y in 0..<output.height {
                    for x in 0..<output.width {
                        let sum = directSum(input, weight, out: out, y: y, x: x, stride: stride)
                        largest = max(largest, abs(sum))
                        let error = abs(sum - Double(output.values[(out * output.height + y) * output.width + x]))
                        worst = max(worst, error)
                        // One rounding to float32: at most half an ulp of the sum itself.
                        worstRounding = max(worstRounding, error - 0x1p-24 * abs(sum))
                    }
                }
            }
            #expect(largest > 0 && worst <= 1e-6 * largest, "\(precision): max error \(worst) of \(largest)")
            if precision == .reference { #expect(worstRounding <= 1e-12 * largest, "one rounding: \(worstRounding)") }
        }
    }

    /// One output of a 3x3, padding-1 convolution summed in float64.
    private func directSum(_ input: FeatureMap, _ weight: [Float], out: Int, y: Int, x: Int, stride: Int) -> Double {
        var sum = 0.0
        for channel in 0..<input.channels {
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let iy = y * stride - 1 + ky, ix = x * stride - 1 + kx
                    guard iy >= 0, iy < input.height, ix >= 0, ix < input.width else { continue }
                    let value = Double(input.values[(channel * input.height + iy) * input.width + ix])
                    sum += value * Double(weight[((out * input.channels + channel) * 3 + ky) * 3 + kx])
                }
            }
        }
        return sum
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
