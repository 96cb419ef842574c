import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct PyTorchReaderTests {
    static let fixtures: [(file: String, format: WeightFormat)] = [
        ("resnet-zip", .pytorchZip), ("resnet-legacy", .pytorchLegacy), ("vovnet-zip", .pytorchZip),
        ("vovnet-legacy", .pytorchLegacy), ("resnet-protocol4", .pytorchZip), ("resnet-protocol5", .pytorchZip),
        ("resnet-dataparallel", .pytorchZip), ("dtypes-zip", .pytorchZip), ("dtypes-legacy", .pytorchLegacy),
        ("views-zip", .pytorchZip), ("views-legacy", .pytorchLegacy), ("checkpoint-zip", .pytorchZip),
        ("dtypes-convertible-zip", .pytorchZip), ("resnet-bigendian", .pytorchZip),
        ("resnet-deflate", .pytorchZip), ("whole-module", .pytorchZip), ("whole-module-in-dict", .pytorchZip),
        ("checkpoint-tensors-beside", .pytorchZip),
    ]

    /// A pickled module (torch.save(model)) is read without running anything: its classes are inert records,
    /// named in the metadata, and calling a class off the allow-list is still refused.
    @Test func wholeModulesAreInertRecords() throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/whole-module.pth"))
        #expect(collection.sourceFacts.pickledObjects?.contains("torchvision.models.resnet.ResNet") == true)
        #expect(try CanonicalMapper.standard.recognizeNetwork(collection)?.network.architecture == "resnet-18")
        // NEWOBJ of an unknown class records it; REDUCE of the same class (a call) is refused.
        let instantiate: [UInt8] = Array("\u{80}\u{02}cevil\nExploit\n)\u{81}.".unicodeScalars.map { UInt8($0.value) })
        let result = try PickleMachine(globals: .torch, allowsPersistentIDs: false).load(TensorData(instantiate))
        guard case .object(let object) = result.value else { Issue.record("no record"); return }
        #expect(object.isInert && object.type.description == "evil.Exploit")
        let call: [UInt8] = Array("\u{80}\u{02}cevil\nExploit\n)R.".unicodeScalars.map { UInt8($0.value) })
        #expect(throws: WeightKitError.self) {
            try PickleMachine(globals: .torch, allowsPersistentIDs: false).load(TensorData(call))
        }
        for refused in ["cos\nsystem\n", "cposix\nSystem\n", "cbuiltins\nEval\n", "csubprocess\nPopen\n"] {
            let bytes: [UInt8] = Array("\u{80}\u{02}\(refused))\u{81}.".unicodeScalars.map { UInt8($0.value) })
            #expect(throws: WeightKitError.self, "\(refused)") {
                try PickleMachine(globals: .torch, allowsPersistentIDs: false).load(TensorData(bytes))
            }
        }
    }

    /// mmdetection's checkpoints carry their training config as text (8-15 KB in the zoo): read whole, so a
    /// `style='caffe'` anywhere in it is seen; mmengine's message_hub (HistoryBuffer, getattr-pickled
    /// methods) is recorded without running anything.
    @Test func mmdetectionConfigsAndTrainingStateAreRead() throws {
        let published = try WeightFile.read(Fixtures.path(
            "zoo/mmdet/fpg-retinanet-chn128/retinanet_r50_fpg-chn128_crop640_50e_coco_20220311_011856-5fa2fde5.pth"))
        let config = try #require(published.metadata["meta.config"])
        #expect(config.utf8.count > 8192 && config.contains("FPG"))
        let training = try WeightFile.read(Fixtures.path("zoo/mmdet/cascade-rcnn-r50-fpn/model.pth"))
        #expect((training.metadata["meta.cfg"]?.utf8.count ?? 0) > 8192)
        #expect(training.names.contains("roi_head.bbox_head.2.fc_cls.weight"))
    }

    @Test(arguments: fixtures)
    func readsExactlyWhatTorchLoads(file: String, format: WeightFormat) throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/\(file).pth"))
        #expect(collection.format == format)
        Fixtures.expectMatches(collection, try Fixtures.manifest("pytorch/\(file).manifest.json"))
    }

    @Test func torchScriptNamesFollowStateDict() throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/resnet-torchscript.pt"))
        #expect(collection.format == .torchScript)
        Fixtures.expectMatches(collection, try Fixtures.manifest("pytorch/resnet-torchscript.manifest.json"))
        #expect(collection["bn1.num_batches_tracked"]?.dtype == .int64)
    }

    @Test func storedRecordsAreViewsIntoTheFile() throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/resnet-zip.pth"))
        #expect(collection.tensors.allSatisfy { $0.data.isMapped })
        let legacy = try WeightFile.read(Fixtures.path("pytorch/resnet-legacy.pth"))
        #expect(legacy.tensors.allSatisfy { $0.data.isMapped })
    }

    @Test func checkpointShowsWeightsAndMetadata() throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/checkpoint-zip.pth"))
        #expect(collection.metadata["iteration"] == "1234")
        #expect(collection.metadata["cfg"] == "MODEL:\n  DEPTH: 50\n")
        #expect(collection.sourceFacts.weightsKey == "model")
        #expect(collection["conv1.weight"] != nil)
    }

    /// Choosing the `model` key drops nothing: a tensor stored beside it is a weight too (the manifest
    /// holds both), nested training state is not, and one name in both places is an error.
    @Test func tensorsBesideTheWeightsKeyAreKept() throws {
        let collection = try WeightFile.read(Fixtures.path("pytorch/checkpoint-tensors-beside.pth"))
        #expect(collection.names.sorted() == ["conv.weight", "extra.weight"])
        #expect(collection.sourceFacts.weightsKey == "model")
        #expect {
            try WeightFile.read(Fixtures.path("pytorch/checkpoint-name-twice.pth"))
        } throws: { error in
            "\(error)".contains("'x.weight' is stored both under 'model' and beside it")
        }
    }

    @Test func allListsEveryTensorUnderItsPath() throws {
        let collection = try WeightFile.read(
            Fixtures.path("pytorch/checkpoint-zip.pth"), options: .init(includeAll: true))
        #expect(collection["model.conv1.weight"] != nil)
        let momentum = collection.names.filter { $0.hasPrefix("optimizer.state.") && $0.hasSuffix("momentum_buffer") }
        #expect(momentum.count == 29)
        #expect(collection["optimizer.state.0.momentum_buffer"]?.shape == collection["model.conv1.weight"]?.shape)
    }

    @Test func quantizedTensorsAreRefusedClearly() throws {
        #expect {
            try WeightFile.read(Fixtures.path("pytorch/quantized-zip.pth"))
        } throws: { error in
            let error = try #require(error as? WeightKitError)
            return error.kind == .unsupported && error.reason.contains("quantized") && error.location.tensor == "q"
        }
    }
}

@Suite struct TorchStorageReferenceTests {
    private func id(view: PickleValue) -> PickleValue {
        .tuple(PickleTuple([.string("storage"), .global(PythonName("torch", "FloatStorage")), .string("140"),
                            .string("cpu"), .int(100), view]))
    }

    /// Legacy views of one root storage must not share a cached storage.
    @Test func legacyViewsOfOneRootAreDistinct() throws {
        let whole = try TorchStorageReference(persistentID: id(view: .none))
        let first = try TorchStorageReference(
            persistentID: id(view: .tuple(PickleTuple([.string("141"), .int(0), .int(10)]))))
        let second = try TorchStorageReference(
            persistentID: id(view: .tuple(PickleTuple([.string("142"), .int(10), .int(10)]))))
        #expect(Set([whole.cacheKey, first.cacheKey, second.cacheKey]).count == 3)
        #expect(first.key == second.key)
    }
}

@Suite struct StridedViewTests {
    private func storage(_ count: Int) -> TensorData {
        TensorData((0..<count).map { UInt8($0) })
    }

    @Test func transposeGathers() throws {
        let view = StridedView(offset: 0, size: [3, 2], stride: [1, 3])
        #expect(try view.materialize(storage(6), itemSize: 1, budget: ReadBudget(.floor)).bytes == [0, 3, 1, 4, 2, 5])
    }

    @Test func zeroStrideRepeats() throws {
        let view = StridedView(offset: 1, size: [2, 3], stride: [0, 1])
        #expect(try view.materialize(storage(4), itemSize: 1, budget: ReadBudget(.floor)).bytes == [1, 2, 3, 1, 2, 3])
    }

    @Test func contiguousSliceIsAView() throws {
        let file = try MappedFile(path: Fixtures.path("safetensors/python-written.safetensors"))
        let data = TensorData(file: file, range: 0..<64)
        let view = StridedView(offset: 4, size: [2, 4], stride: [4, 1])
        let result = try view.materialize(data, itemSize: 2, budget: ReadBudget(.floor))
        #expect(result.isMapped)
        #expect(result.bytes == Array(data.bytes[8..<24]))
    }

    @Test func viewPastStorageIsRefused() {
        let view = StridedView(offset: 2, size: [2, 2], stride: [2, 1])
        #expect(throws: WeightKitError.self) { try view.materialize(storage(5), itemSize: 1, budget: ReadBudget(.floor)) }
    }

    @Test func overflowingStridesAreRefused() {
        let view = StridedView(offset: 0, size: [3, 3], stride: [Int.max / 2, 1])
        #expect(throws: WeightKitError.self) { try view.materialize(storage(9), itemSize: 1, budget: ReadBudget(.floor)) }
        let negative = StridedView(offset: 3, size: [2], stride: [-1])
        #expect(throws: WeightKitError.self) { try negative.materialize(storage(9), itemSize: 1, budget: ReadBudget(.floor)) }
    }
}
