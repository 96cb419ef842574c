import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct DetectronPickleTests {
    static let fixtures = [
        "detectron-py2", "detectron-py3-protocol2", "imagenet-protocol4", "detectron2-protocol5",
        "dtypes-protocol2", "dtypes-protocol5",
    ]

    @Test(arguments: fixtures)
    func readsExactlyWhatPickleLoads(file: String) throws {
        let collection = try WeightFile.read(Fixtures.path("detectron/\(file).pkl"))
        #expect(collection.format == .pickle)
        Fixtures.expectMatches(collection, try Fixtures.manifest("detectron/\(file).manifest.json"))
    }

    @Test func detectronShowsConfigAndHidesMomentum() throws {
        let collection = try WeightFile.read(Fixtures.path("detectron/detectron-py2.pkl"))
        #expect(collection.metadata["cfg"]?.hasPrefix("MODEL:\n  TYPE: generalized_rcnn") == true)
        #expect(collection.sourceFacts.weightsKey == "blobs")
        #expect(!collection.names.contains { $0.hasSuffix("_momentum") })
        #expect(collection.tensors.allSatisfy { $0.data.isMapped })

        let all = try WeightFile.read(Fixtures.path("detectron/detectron-py2.pkl"), options: .init(includeAll: true))
        #expect(all["blobs.conv1_w_momentum"]?.shape.dimensions == [8, 3, 7, 7])
        #expect(all["blobs.conv1_w"]?.data.bytes == collection["conv1_w"]?.data.bytes)
    }

    @Test func detectron2RecordsItsAuthor() throws {
        let collection = try WeightFile.read(Fixtures.path("detectron/detectron2-protocol5.pkl"))
        #expect(collection.metadata["__author__"] == "Detectron2 Model Zoo")
        #expect(collection["backbone.bottom_up.conv1_w"] != nil)
    }

    @Test func bigEndianAndFortranArraysBecomeLittleEndianCOrder() throws {
        let collection = try WeightFile.read(Fixtures.path("detectron/dtypes-protocol2.pkl"))
        #expect(collection["big_f4"]?.data.bytes == collection["f4"]?.data.bytes)
        #expect(collection["fortran_f4"]?.data.isMapped == false)
        #expect(collection["scalar_f32"]?.shape.dimensions == [])
    }
}
