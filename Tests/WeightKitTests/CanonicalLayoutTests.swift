import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct CanonicalLayoutTests {
    private func canonical(_ relative: String, keepDropped: Bool = false) throws -> CanonicalMapper.Result {
        try CanonicalMapper.standard.mapNetwork(WeightFile.read(Fixtures.path(relative)), keepDropped: keepDropped).mapping
    }

    /// Model fixtures of every source, with the layout that must recognise each.
    static let models: [(String, String)] = [
        ("canonical/torchvision-resnet50.pth", "torchvision-resnet"),
        ("canonical/torchvision-resnext101_32x8d.pth", "torchvision-resnet"),
        ("canonical/timm-resnet50.pth", "torchvision-resnet"),
        ("canonical/timm-ese_vovnet19b_slim_dw.pth", "timm-vovnet-dw"),
        ("canonical/timm-ese_vovnet19b_dw.pth", "timm-vovnet-dw"),
        ("canonical/timm-ese_vovnet19b_slim.pth", "timm-vovnet"),
        ("canonical/timm-ese_vovnet39b.pth", "timm-vovnet"),
        ("canonical/timm-ese_vovnet57b.pth", "timm-vovnet"),
        ("canonical/timm-ese_vovnet99b.pth", "timm-vovnet"),
        ("canonical/timm-vovnet39a.pth", "timm-vovnet"),
        ("canonical/timm-vovnet57a.pth", "timm-vovnet"),
        ("canonical/maskrcnn-benchmark-mask-rcnn.pth", "maskrcnn-benchmark"),
        ("canonical/torchvision-fasterrcnn_resnet50_fpn.pth", "torchvision-detection"),
        ("canonical/torchvision-maskrcnn_resnet50_fpn.pth", "torchvision-detection"),
        ("canonical/torchvision-keypointrcnn_resnet50_fpn.pth", "torchvision-detection"),
        ("canonical/torchvision-retinanet_resnet50_fpn.pth", "torchvision-retinanet"),
        ("canonical/torchvision-fcos_resnet50_fpn.pth", "torchvision-fcos"),
        ("canonical/torchvision-fasterrcnn_resnet50_fpn_v2.pth", "torchvision-detection-v2"),
        ("canonical/torchvision-maskrcnn_resnet50_fpn_v2.pth", "torchvision-detection-v2"),
        ("canonical/torchvision-retinanet_resnet50_fpn_v2.pth", "torchvision-retinanet-v2"),
        ("canonical/mmdet-faster_rcnn_r50_fpn.pth", "mmdet-rcnn"),
        ("canonical/mmdet-mask_rcnn_r50_caffe_fpn.pth", "mmdet-rcnn"),
        ("canonical/mmdet-retinanet_r50_fpn.pth", "mmdet-retinanet"),
        ("canonical/mmdet-cascade_rcnn_r50_fpn.pth", "mmdet-cascade-rcnn"),
        ("canonical/mmdet-fcos_r50_fpn.pth", "mmdet-fcos"),
        ("mxnet/gluon-export-resnet50_v1.zip", "gluon-export-resnet-v1"),
        ("mxnet/gluoncv-resnet50_v1b.zip", "gluoncv-resnet-v1b"),
        ("verify/simpledet-fpn-0000.params", "simpledet-fpn"),
        ("verify/torchvision-fasterrcnn-fpn.pth", "torchvision-detection"),
        ("verify/torchvision-fasterrcnn-fpn-v2.pth", "torchvision-detection-v2"),
        ("verify/torchvision-retinanet-fpn.pth", "torchvision-retinanet"),
        ("verify/torchvision-maskrcnn-fpn.pth", "torchvision-detection"),
        ("verify/torchvision-keypointrcnn-fpn.pth", "torchvision-detection"),
        ("verify/torchvision-retinanet-fpn-v2.pth", "torchvision-retinanet-v2"),
        ("verify/mmdet-pytorch-fpn.pth", "mmdet-rcnn"),
        ("verify/mmdet-caffe-fpn.pth", "mmdet-rcnn"),
        ("verify/gluon-resnet-v1.params", "gluon-resnet-v1"),
        ("verify/gluoncv-resnet-v1b.params", "gluoncv-resnet-v1b"),
        ("canonical/centermask-vovnet-fcos.pth", "maskrcnn-benchmark-fcos"),
        ("canonical/adelaidet-vovnet-fcos.pth", "detectron2"),
        ("canonical/resnet50-topology-torchvision.pth", "torchvision-resnet"),
        ("canonical/resnet50-topology-detectron.pkl", "detectron-caffe2"),
        ("canonical/resnet50-topology-init_net.pb", "detectron-caffe2"),
        ("canonical/resnet50-topology-mxnext-0000.params", "mxnext-resnet"),
        ("pytorch/resnet-zip.pth", "torchvision-resnet"),
        ("pytorch/resnet-legacy.pth", "torchvision-resnet"),
        ("pytorch/resnet-torchscript.pt", "torchvision-resnet"),
        ("pytorch/resnet-dataparallel.pth", "torchvision-resnet"),
        ("pytorch/vovnet-zip.pth", "vovnet-detectron2-backbone"),
        ("detectron/detectron-py2.pkl", "detectron-caffe2"),
        ("detectron/detectron2-protocol5.pkl", "detectron2"),
        ("caffe2/init_net.pb", "detectron-caffe2"),
        ("mxnet/resnetlike-0000.params", "mxnext-resnet"),
        ("canonical/gluon-resnet50_v1-slim.params", "gluon-resnet-v1"),
    ]

    @Test(arguments: models)
    func everyModelMapsWithNothingLeftOver(file: String, layout: String) throws {
        let result = try canonical(file)
        #expect(result.layout == layout, "\(file)")
        #expect(result.unmapped.isEmpty, "\(file): \(result.unmapped.prefix(5))")
        #expect(result.collection.metadata["weightkit.names"] == "canonical")
    }

    /// Families are never confused: exactly one layout claims each fixture (torchvision detection is not
    /// taken for maskrcnn-benchmark, a timm ResNet not for torchvision's, and so on).
    @Test(arguments: models)
    func exactlyOneLayoutClaimsEachFile(file: String, layout: String) throws {
        let claiming = try CanonicalMapper.standard.recognizing(WeightFile.read(Fixtures.path(file))).map(\.name)
        #expect(claiming == [layout], "\(file) is claimed by \(claiming)")
    }

    /// What a checkpoint says about itself wins over its layout's defaults: an mmdetection config with
    /// style='caffe' puts the stride in the 1x1 conv and expects BGR; its classes are recorded.
    @Test func checkpointsStateTheirOwnSemantics() throws {
        let caffe = try canonical("canonical/mmdet-mask_rcnn_r50_caffe_fpn.pth").collection
        #expect(caffe.semantics.strideIn == .oneByOne && caffe.semantics.channelOrder == .bgr)
        #expect(caffe[.classes] == #"["person","car","dog"]"#)
        // mmdet 3.x (mmengine) keeps the config under meta.cfg and the classes under meta.dataset_meta.
        let caffe3 = try canonical("verify/mmdet-caffe-fpn.pth").collection
        #expect(caffe3.semantics.strideIn == .oneByOne && caffe3.semantics.channelOrder == .bgr)
        #expect(caffe3[.classes] == #"["person","bicycle","car"]"#)
        let pytorch = try canonical("canonical/mmdet-faster_rcnn_r50_fpn.pth").collection
        #expect(pytorch.semantics.strideIn == .threeByThree && pytorch.semantics.channelOrder == .rgb)
        // Detectron's pickled cfg (a YAML dump) says RESNETS.STRIDE_1X1 when a model was not MSRA-initialised.
        let detectron = try #require(CanonicalMapper.standard.layouts.first { $0.name == "detectron-caffe2" })
        #expect(try detectron.semantics(for: [:]).strideIn == .oneByOne)
        let torchvisionInit = "RESNETS: !!python/object/new:detectron.utils.collections.AttrDict\n  dictitems:\n    STRIDE_1X1: false\n"
        #expect(try detectron.semantics(for: ["cfg": torchvisionInit]).strideIn == .threeByThree)
        // Only the config's code states a setting: not a comment, not another value's string.
        let mmdet = try #require(CanonicalMapper.standard.layouts.first { $0.name == "mmdet-rcnn" })
        let code = "model = dict(\n    backbone=dict(type='ResNet', depth=50, style='caffe'))\n"
        #expect(try mmdet.semantics(for: ["meta.config": code]).strideIn == .oneByOne)
        let comment = "model = dict(backbone=dict(type='ResNet', style='pytorch'))  # was style='caffe'\n"
        #expect(try mmdet.semantics(for: ["meta.config": comment]).strideIn == .threeByThree)
        let quoted = "note = \"style='caffe' models need BGR\"\nmodel = dict(backbone=dict(style='pytorch'))\n"
        #expect(try mmdet.semantics(for: ["meta.config": quoted]).strideIn == .threeByThree)
        // A setting is a name, `=` and a value, however spaced and quoted; a value mmdetection would reject
        // (its ResNet asserts style in ('pytorch', 'caffe')) is an error, not the default.
        let spaced = "model = dict(backbone=dict(type='ResNet', style = \"caffe\"))\n"
        #expect(try mmdet.semantics(for: ["meta.config": spaced]).strideIn == .oneByOne)
        let compared = "caffe = backbone_style == 'caffe'\nmodel = dict(backbone=dict(style='pytorch'))\n"
        #expect(try mmdet.semantics(for: ["meta.config": compared]).strideIn == .threeByThree)
        #expect { try mmdet.semantics(for: ["meta.config": "model = dict(backbone=dict(style='caffee'))\n"]) } throws: { error in
            "\(error)".contains("sets style='caffee', which the framework does not take (it takes 'pytorch', 'caffe')")
        }
        #expect { try detectron.semantics(for: ["cfg": "RESNETS:\n  STRIDE_1X1: nope\n"]) } throws: { error in
            "\(error)".contains("STRIDE_1X1:nope")
        }
        let fcos = try canonical("canonical/mmdet-fcos_r50_fpn.pth").collection
        #expect(fcos.semantics.centernessOn == .regression)
        #expect(fcos[.architecture] == "resnet-50" && fcos[.heads] == "fcos")
    }

    /// gluon's export names are numbered per stage in creation order, and gluoncv's v1b names follow
    /// torchvision; mapped, both give the names and shapes computed in Python from the network's
    /// structural parameter paths.
    @Test(arguments: [
        ("mxnet/gluon-export-resnet50_v1.zip", "canonical/keys/gluon-export-resnet50_v1.txt"),
        ("mxnet/gluoncv-resnet50_v1b.zip", "canonical/keys/gluoncv-resnet50_v1b.txt"),
    ])
    func gluonNamesMapToStructuralNames(file: String, keys: String) throws {
        let result = try canonical(file)
        #expect(result.unmapped.isEmpty)
        let actual = result.collection.tensors.map { "\($0.name) \($0.shape.description.replacingOccurrences(of: " ", with: ""))" }
        let expected = try String(contentsOfFile: Fixtures.path(keys), encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: ", ", with: ",") }
        #expect(actual.sorted() == expected.sorted())
        #expect(result.collection[.architecture] == "resnet-50")
    }

    /// SimpleDet's heads convert exactly: its two-class softmax objectness becomes one logit per anchor
    /// (foreground minus background), 1x1-convolution fcs become matrices, background class 0 moves last.
    @Test func simpleDetHeadsConvertExactly() throws {
        let source = try WeightFile.read(Fixtures.path("verify/simpledet-fpn-0000.params"))
        let mapped = try CanonicalMapper.standard.map(source).collection
        func values(_ collection: TensorCollection, _ name: String) throws -> [Double] {
            var result: [Double] = []
            try #require(collection[name]).forEachScalar { result.append($0) }
            return result
        }
        let softmax = try values(source, "arg:rpn_conv_cls_weight")
        let logits = try values(mapped, "proposal_generator.rpn_head.objectness_logits.weight")
        #expect(mapped["proposal_generator.rpn_head.objectness_logits.weight"]?.shape == (try Shape([3, 16, 1, 1])))
        #expect(logits.enumerated().allSatisfy { abs($0.element - (softmax[logits.count + $0.offset] - softmax[$0.offset])) < 1e-6 })
        #expect(mapped["roi_heads.box_head.fc1.weight"]?.shape == (try Shape([32, 784])))
        #expect(mapped["roi_heads.box_predictor.bbox_pred.weight"]?.shape == (try Shape([12, 32])))
        let scores = try values(source, "arg:bbox_cls_logit_bias"), moved = try values(mapped, "roi_heads.box_predictor.cls_score.bias")
        #expect(moved == Array(scores.dropFirst()) + [scores[0]])
    }

    /// One ResNet-50, whichever zoo it comes from: mmdetection, torchvision detection and gluoncv files give
    /// the backbone names and shapes of a torchvision classification ResNet-50; Detectron (pickle and Caffe2)
    /// and SimpleDet/mxnext files (kept small: reduced width) and gluon exports (whose 1x1 convolutions also
    /// carry biases) give the same names. MXNet's learned input norm has a name of its own.
    @Test func resNet50IsTheSameFromEveryZoo() throws {
        func backbone(_ file: String, shapes: Bool = true) throws -> [String] {
            try canonical(file).collection.tensors
                .filter { $0.name.hasPrefix(CanonicalName.bottomUp) && !$0.name.contains(".input_norm.") }
                .filter { !$0.name.hasSuffix(".bias") || $0.name.contains(".norm.") }
                .map { shapes ? "\($0.name) \($0.shape)" : $0.name }.sorted()
        }
        let reference = try backbone("canonical/torchvision-resnet50.pth")
        #expect(reference.count == 265)
        for file in ["canonical/mmdet-faster_rcnn_r50_fpn.pth", "canonical/mmdet-retinanet_r50_fpn.pth",
                     "canonical/torchvision-fasterrcnn_resnet50_fpn.pth", "canonical/torchvision-fcos_resnet50_fpn.pth",
                     "canonical/torchvision-fasterrcnn_resnet50_fpn_v2.pth", "mxnet/gluoncv-resnet50_v1b.zip"] {
            #expect(try backbone(file) == reference, "\(file)")
        }
        let names = try backbone("canonical/torchvision-resnet50.pth", shapes: false)
        for file in ["canonical/resnet50-topology-detectron.pkl", "canonical/resnet50-topology-init_net.pb",
                     "canonical/resnet50-topology-mxnext-0000.params", "mxnet/gluon-export-resnet50_v1.zip"] {
            let other = try backbone(file, shapes: false)
            #expect(other == names, "\(file): \(Array(Set(other).symmetricDifference(names)).sorted().prefix(6))")
        }
    }

    /// FBNet blocks that match none of maskrcnn-benchmark's architectures (this file holds a few blocks of
    /// one) still get their canonical names, but no trunk is run on strides guessed for them.
    @Test func fbnetBlocksOfNoKnownArchitectureMapWithoutANetwork() throws {
        let fbnet = try WeightFile.read(Fixtures.path("canonical/maskrcnn-benchmark-fbnet.pth"))
        let mapped = try CanonicalMapper.standard.map(fbnet)
        #expect(mapped.layout == "maskrcnn-benchmark-fbnet" && mapped.unmapped.isEmpty)
        #expect(mapped.collection[FBNetFamily.first + ".weight"] != nil)
        #expect(try !RecognizedNetwork(mapped.collection).hasBackbone)
    }

    /// The cheap recognition `inspect` uses names the same layout and network as a full mapping.
    @Test(arguments: models)
    func recognitionAgreesWithMapping(file: String, layout: String) throws {
        let source = try WeightFile.read(Fixtures.path(file))
        let mapped = try CanonicalMapper.standard.map(source).collection
        let recognized = try #require(try CanonicalMapper.standard.recognizeNetwork(source))
        let network = try RecognizedNetwork(mapped).description
        #expect(recognized.layout == layout)
        #expect(recognized.network == network, "\(file)")
    }

    /// Semantics are read as typed values, with one default eps wherever a file or layout does not say.
    @Test func semanticsAreTyped() throws {
        let mapped = try canonical("detectron/detectron-py2.pkl").collection
        #expect(mapped.semantics.strideIn == .oneByOne)
        #expect(mapped.semantics.channelOrder == .bgr)
        #expect(mapped.semantics.pixelMean == [102.9801, 115.9465, 122.7717])
        #expect(try WeightSemantics(recorded: [:]).effectiveNormEps == WeightSemantics.defaultNormEps)
        #expect(throws: WeightKitError.self) { try WeightSemantics(recorded: ["weightkit.norm_eps": "nan"]) }
        #expect(throws: WeightKitError.self) { try WeightSemantics(recorded: ["weightkit.stride_in": "2x2"]) }
        // What a container records reads back as the same values.
        var semantics = try #require(CanonicalMapper.standard.layouts.first { $0.name == "mmdet-rcnn" }?.semantics)
        semantics.ese = .lastBlockOfStage
        let recorded = Dictionary(uniqueKeysWithValues: semantics.recorded.map { ($0.key.rawValue, $0.value) })
        #expect(try WeightSemantics(recorded: recorded) == semantics)
    }

    static let keyLists: [(String, String)] = [
        ("torchvision-resnet50", "resnet-50"), ("torchvision-resnext101_32x8d", "resnext-101-32x8d"),
        ("timm-resnet50", "resnet-50-timm"), ("timm-ese_vovnet19b_slim_dw", "timm-ese_vovnet19b_slim_dw"),
        ("timm-ese_vovnet19b_dw", "timm-ese_vovnet19b_dw"), ("timm-ese_vovnet19b_slim", "timm-ese_vovnet19b_slim"),
        ("timm-ese_vovnet39b", "timm-ese_vovnet39b"), ("timm-ese_vovnet57b", "timm-ese_vovnet57b"),
        ("timm-ese_vovnet99b", "timm-ese_vovnet99b"), ("timm-vovnet39a", "timm-vovnet39a"),
        ("timm-vovnet57a", "timm-vovnet57a"), ("resnet50-topology-torchvision", "resnet-50-topology"),
        ("torchvision-fasterrcnn_resnet50_fpn", "torchvision-fasterrcnn_resnet50_fpn"),
        ("torchvision-maskrcnn_resnet50_fpn", "torchvision-maskrcnn_resnet50_fpn"),
        ("torchvision-keypointrcnn_resnet50_fpn", "torchvision-keypointrcnn_resnet50_fpn"),
        ("torchvision-retinanet_resnet50_fpn", "torchvision-retinanet_resnet50_fpn"),
        ("torchvision-fcos_resnet50_fpn", "torchvision-fcos_resnet50_fpn"),
        ("mmdet-faster_rcnn_r50_fpn", "mmdet-faster_rcnn_r50_fpn"),
        ("mmdet-mask_rcnn_r50_caffe_fpn", "mmdet-mask_rcnn_r50_caffe_fpn"),
        ("mmdet-retinanet_r50_fpn", "mmdet-retinanet_r50_fpn"),
        ("mmdet-fcos_r50_fpn", "mmdet-fcos_r50_fpn"),
        ("mmdet-cascade_rcnn_r50_fpn", "mmdet-cascade_rcnn_r50_fpn"),
        ("torchvision-fasterrcnn_resnet50_fpn_v2", "torchvision-fasterrcnn_resnet50_fpn_v2"),
        ("torchvision-maskrcnn_resnet50_fpn_v2", "torchvision-maskrcnn_resnet50_fpn_v2"),
        ("torchvision-retinanet_resnet50_fpn_v2", "torchvision-retinanet_resnet50_fpn_v2"),
    ]

    @Test(arguments: keyLists)
    func namesAndShapesMatchTheCommittedKeyList(file: String, keys: String) throws {
        let result = try canonical("canonical/\(file).pth")
        let expected = try String(contentsOfFile: Fixtures.path("canonical/keys/\(keys).txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let actual = result.collection.tensors.map { "\($0.name) \($0.shape.description.replacingOccurrences(of: " ", with: ""))" }
        #expect(actual == expected.map { $0.replacingOccurrences(of: " [", with: " [").replacingOccurrences(of: ", ", with: ",") })
    }

    @Test func architecturesAreRecognised() throws {
        let expectations = [
            ("canonical/torchvision-resnet50.pth", "resnet-50"),
            ("canonical/torchvision-resnext101_32x8d.pth", "resnext-101-32x8d"),
            ("canonical/timm-ese_vovnet39b.pth", "vovnet-v2-39-ese"),
            ("canonical/timm-ese_vovnet19b_slim_dw.pth", "vovnet-v2-19-slim-dw-ese"),
            ("canonical/timm-vovnet57a.pth", "vovnet-v1-57"),
            ("canonical/resnet50-topology-mxnext-0000.params", "resnet-50"),
        ]
        for (file, architecture) in expectations {
            #expect(try canonical(file).collection.metadata["weightkit.architecture"] == architecture, "\(file)")
        }
        let timm = try canonical("canonical/timm-ese_vovnet39b.pth").collection
        #expect(timm.semantics.ese == .lastBlockOfStage)
        let centermask = try canonical("canonical/centermask-vovnet-fcos.pth").collection
        #expect(centermask.semantics.ese == .everyBlock)
        #expect(centermask[.neck] == "fpn(p3,p4,p5,p6,p7)")
        #expect(centermask[.heads] == "fcos")
    }

    /// One network written by torch, a Detectron pickle, a Caffe2 init_net and MXNet maps to the same
    /// canonical tensors: names, shapes and bytes.
    @Test func sameNetworkFromEverySourceIsIdentical() throws {
        let sources = [
            "canonical/resnet50-topology-torchvision.pth", "canonical/resnet50-topology-detectron.pkl",
            "canonical/resnet50-topology-init_net.pb", "canonical/resnet50-topology-mxnext-0000.params",
        ]
        let reference = try canonical(sources[0]).collection
        for source in sources.dropFirst() {
            let other = try canonical(source).collection
            #expect(Set(other.names) == Set(reference.names), "\(source)")
            for tensor in reference.tensors {
                let match = try #require(other[tensor.name], "\(source) lacks \(tensor.name)")
                #expect(match.shape == tensor.shape && match.dtype == tensor.dtype, "\(source): \(tensor.name)")
                #expect(match.data.bytes == tensor.data.bytes, "\(source): \(tensor.name)")
            }
        }
        #expect(try canonical(sources[0]).collection.semantics.strideIn == .threeByThree)
        #expect(try canonical(sources[1]).collection.semantics.strideIn == .oneByOne)
    }

    @Test func affineChannelGainsExactStatistics() throws {
        let result = try canonical("detectron/detectron-py2.pkl")
        let mean = try #require(result.collection["backbone.bottom_up.stem.conv1.norm.running_mean"])
        let variance = try #require(result.collection["backbone.bottom_up.stem.conv1.norm.running_var"])
        var means: [Double] = [], variances: [Double] = []
        mean.forEachScalar { means.append($0) }
        variance.forEachScalar { variances.append($0) }
        #expect(means.allSatisfy { $0 == 0 })
        #expect(variances.allSatisfy { $0 == Double(Float(1 - 1e-5)) })
        #expect(result.collection.metadata["weightkit.synthesized"]?.contains("stem.conv1.norm.running_var") == true)
    }

    @Test func classOrderMovesBackgroundLast() throws {
        let source = try WeightFile.read(Fixtures.path("canonical/maskrcnn-benchmark-mask-rcnn.pth"))
        let mapped = try CanonicalMapper.standard.map(source).collection
        let score = try #require(source["module.roi_heads.box.predictor.cls_score.weight"])
        let moved = try #require(mapped["roi_heads.box_predictor.cls_score.weight"])
        let row = score.byteCount / score.shape.dimensions[0]
        #expect(Array(moved.data.bytes[(moved.byteCount - row)...]) == Array(score.data.bytes[..<row]))
        #expect(mapped["roi_heads.box_predictor.bbox_pred.weight"]?.shape.dimensions == [20, 16])
        #expect(mapped["roi_heads.mask_head.predictor.weight"]?.shape.dimensions == [5, 8, 1, 1])
        #expect(mapped["proposal_generator.rpn_head.objectness_logits.weight"] != nil)
        #expect(mapped.semantics.normEps == 0)
    }

    @Test func fixGammaForcesOnes() throws {
        let mapped = try canonical("mxnet/resnetlike-0000.params").collection
        let gamma = try #require(mapped["backbone.bottom_up.input_norm.weight"])
        var values: [Double] = []
        gamma.forEachScalar { values.append($0) }
        #expect(values == [1, 1, 1])
        #expect(mapped.metadata["weightkit.fix_gamma"] == "backbone.bottom_up.input_norm.weight")
    }

    @Test func trainingStateIsDroppedUnlessAll() throws {
        let dropped = try canonical("pytorch/resnet-zip.pth")
        #expect(!dropped.collection.names.contains { $0.hasSuffix("num_batches_tracked") })
        #expect(!dropped.dropped.isEmpty)
        let kept = try canonical("pytorch/resnet-zip.pth", keepDropped: true)
        #expect(kept.collection["bn1.num_batches_tracked"] != nil)
    }

    @Test func unknownNamesAreKeptAndReported() throws {
        let result = try canonical("pytorch/dtypes-zip.pth")
        #expect(result.layout == nil)
        #expect(result.unmapped.count == 19)
        #expect(result.collection.count == 19)
    }

    @Test func channelOrderFlipReversesInputChannels() throws {
        var collection = try canonical("detectron/detectron-py2.pkl").collection
        let before = try #require(collection["backbone.bottom_up.stem.conv1.weight"])
        try ChannelOrder.reorder(&collection, to: .rgb, structure: try RecognizedNetwork(collection).structure)
        let after = try #require(collection["backbone.bottom_up.stem.conv1.weight"])
        let plane = 7 * 7 * 4
        #expect(Array(after.data.bytes[0..<plane]) == Array(before.data.bytes[2 * plane..<3 * plane]))
        #expect(Array(after.data.bytes[plane..<2 * plane]) == Array(before.data.bytes[plane..<2 * plane]))
        #expect(collection.semantics.channelOrder == .rgb)
        #expect(collection.semantics.pixelMean == [122.7717, 115.9465, 102.9801])
    }

    @Test func literalPrefixesNeverRejectAMatch() {
        #expect(CanonicalMapper.literalPrefix(of: #"^backbone\.body\.layer(\d+)\.x$"#) == "backbone.body.layer")
        #expect(CanonicalMapper.literalPrefix(of: #"^res_conv1_bn_s$"#) == "res_conv1_bn_s")
        #expect(CanonicalMapper.literalPrefix(of: #"^ab?c"#) == "a")
        #expect(CanonicalMapper.literalPrefix(of: #"^.*num_batches_tracked$"#) == "")
        #expect(CanonicalMapper.literalPrefix(of: "no-anchor") == "")
        #expect(CanonicalMapper.literalPrefix(of: #"^ab|cd$"#) == "")
    }

    @Test func literalSuffixesNeverRejectAMatch() {
        #expect(CanonicalMapper.literalSuffix(of: #"^stage(\d)\.OSA\d_\d/conv\.weight$"#) == "/conv.weight")
        #expect(CanonicalMapper.literalSuffix(of: #"^x\.(weight|bias)$"#) == "")
        #expect(CanonicalMapper.literalSuffix(of: #"^x_b?$"#) == "")
        #expect(CanonicalMapper.literalSuffix(of: #"^x[._]bn_s$"#) == "bn_s")
        #expect(CanonicalMapper.literalSuffix(of: #"^x\d{1,2}_w$"#) == "_w")
        #expect(CanonicalMapper.literalSuffix(of: #"^a$|^b_w$"#) == "")
        #expect(CanonicalMapper.literalSuffix(of: #"^.*num_batches_tracked$"#) == "num_batches_tracked")
        // The mapping tests of every fixture (exact canonical names, round trips) hold the filters to the
        // patterns on real names.
    }

    @Test func templatesEvaluateArithmeticAndLookups() throws {
        let captures = ["whole", "3", "b", "7"]
        #expect(try NameTemplate(text: "res{$1+1}.conv{$2|a:1|b:2|c:3}.{($3-4)/3+1}").expand(captures) == "res4.conv2.2")
        #expect(throws: WeightKitError.self) { try NameTemplate(text: "{$2|x:1}").expand(captures) }
        #expect(throws: WeightKitError.self) { try NameTemplate(text: "$9").expand(captures) }
    }

    @Test func embeddedLayoutsMatchTheSchemaFiles() throws {
        let folder = Fixtures.root.deletingLastPathComponent().appendingPathComponent("schemas/layouts")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.sorted()
        #expect(EmbeddedLayouts.documents.map(\.file) == files)
        for (file, text) in EmbeddedLayouts.documents {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(onDisk.trimmingCharacters(in: .newlines) == text, "\(file) differs from its embedded copy")
        }
        #expect(CanonicalMapper.standard.layouts.count == files.count)
    }
}
