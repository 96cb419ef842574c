import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts

/// Numbers no framework writes are refused where they are read or used: ranks past the format's
/// framework, and stage or block numbers a layout would do arithmetic on past any network.
@Suite struct ShapeAndIndexLimitTests {
    private func tensor(rank: Int) throws -> Tensor {
        try Tensor(name: "w", dtype: .uint8, shape: Shape([Int](repeating: 1, count: rank)), data: TensorData([1]))
    }

    @Test(arguments: [(WeightFormat.pytorchZip, 64), (.numpyNpy, 64), (.safetensors, 64), (.caffe2Protobuf, 32),
                      (.mxnetParams, 32)])
    func ranksPastTheFormatsLimitAreRefused(_ format: WeightFormat, _ limit: Int) throws {
        var collection = TensorCollection(format: format)
        try collection.append(tensor(rank: limit))
        var other = TensorCollection(format: format)
        #expect {
            try other.append(tensor(rank: limit + 1))
        } throws: { error in
            let description = (error as? WeightKitError)?.description ?? ""
            return description.contains("rank \(limit + 1)") && description.contains("at most \(limit) dimensions")
        }
    }

    @Test func arithmeticOnAnIndexPastAnyNetworkIsRefused() throws {
        let template = NameTemplate(text: "res{$1+1}")
        #expect(try template.expand(["layer99999", "99999"]) == "res100000")
        for index in ["100001", "9223372036854775806", "9223372036854775807", "99999999999999999999"] {
            #expect {
                _ = try template.expand(["layer\(index)", index])
            } throws: { error in
                (error as? WeightKitError)?.reason.contains("indices above 100000 are refused") == true
            }
        }
    }

    /// Recognition (what inspect reports) expands the same templates, so it refuses the same names.
    @Test func recognitionRefusesTheIndexToo() throws {
        var collection = TensorCollection(format: .safetensors)
        for name in ["backbone.body.stem.conv1.weight", "backbone.body.layer9223372036854775806.0.conv1.weight"] {
            try collection.append(Tensor(
                name: name, dtype: .float32, shape: Shape([2, 2, 1, 1]), data: TensorData([UInt8](repeating: 0, count: 16))))
        }
        #expect {
            _ = try CanonicalMapper.standard.recognize(collection)
        } throws: { error in
            (error as? WeightKitError)?.reason.contains("out of range") == true
        }
    }
}
