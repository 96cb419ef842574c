import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct Caffe2ReaderTests {
    /// The committed protoc-c output is what protoc-c makes of schemas/caffe2.proto today
    /// (scripts/generate-caffe2-proto regenerates it; scripts/install-deps installs protoc-c).
    @Test func generatedCodeMatchesTheSchema() throws {
        let scratch = try ScratchDirectory()
        let protoc = Process()
        protoc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        protoc.arguments = ["protoc-c", "--proto_path=\(Fixtures.repository.path)/schemas",
                            "--c_out=\(scratch.url.path)", "\(Fixtures.repository.path)/schemas/caffe2.proto"]
        try protoc.run()
        protoc.waitUntilExit()
        try #require(protoc.terminationStatus == 0, "protoc-c is missing or failed; run scripts/install-deps")
        let generated = Fixtures.repository.appendingPathComponent("Sources/CCaffe2Proto")
        for (made, committed) in [("caffe2.pb-c.c", "caffe2.pb-c.c"), ("caffe2.pb-c.h", "include/caffe2.pb-c.h")] {
            let fresh = FileManager.default.contents(atPath: scratch.path(made))
            let kept = FileManager.default.contents(atPath: generated.appendingPathComponent(committed).path)
            #expect(fresh != nil && fresh == kept, "\(committed) is stale: run scripts/generate-caffe2-proto")
        }
    }

    @Test(arguments: ["init_net", "init_net_packed", "fills_net", "tensors", "tensor"])
    func readsExactlyWhatWasWritten(file: String) throws {
        let collection = try WeightFile.read(Fixtures.path("caffe2/\(file).pb"))
        #expect(collection.format == .caffe2Protobuf)
        Fixtures.expectMatches(collection, try Fixtures.manifest("caffe2/\(file).manifest.json"))
    }

    @Test func initNetNotesItsPredictNetAndOpsWithoutWeights() throws {
        let collection = try WeightFile.read(Fixtures.path("caffe2/init_net.pb"))
        #expect(collection.metadata["caffe2.predict_net"]?.hasSuffix("caffe2/predict_net.pb") == true)
        #expect(collection.metadata["caffe2.ops_without_weights"] == "ConstantFill x1")
        let fills = try WeightFile.read(Fixtures.path("caffe2/fills_net.pb"))
        #expect(fills["scale_f64"]?.dtype == .float64)
        #expect(fills["lut_u8"]?.dtype == .uint8)
    }

    @Test func predictNetHoldsNoWeightsAndListsItsInputs() throws {
        let collection = try WeightFile.read(Fixtures.path("caffe2/predict_net.pb"))
        #expect(collection.count == 0)
        #expect(collection.metadata["caffe2.message"] == "NetDef (predict_net, no weights)")
        #expect(collection.metadata["caffe2.external_input"]?.hasPrefix("data,conv1_w,") == true)
    }
}
