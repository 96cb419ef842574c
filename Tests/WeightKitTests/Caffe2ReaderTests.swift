import Testing

@testable import WeightKit

@Suite struct Caffe2ReaderTests {
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
