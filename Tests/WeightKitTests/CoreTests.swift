import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct CoreTests {
    @Test func itemSizes() {
        #expect(DType.float32.itemSize == 4)
        #expect(DType.bfloat16.itemSize == 2)
        #expect(DType.complex128.itemSize == 16)
        #expect(DType.bool.itemSize == 1)
        #expect(DType.allCases.map(\.rawValue).allSatisfy { $0 == $0.lowercased() })
    }

    @Test func shapeCountsElements() throws {
        #expect(try Shape([2, 3, 4]).elementCount == 24)
        #expect(try Shape([]).elementCount == 1)
        #expect(try Shape([5, 0]).elementCount == 0)
    }

    @Test func shapeRefusesOverflowAndNegatives() {
        #expect(throws: WeightKitError.self) { try Shape([1 << 40, 1 << 40]) }
        #expect(throws: WeightKitError.self) { try Shape([-1]) }
        #expect(throws: WeightKitError.self) { try Shape([1 << 62]).byteCount(of: .float64) }
    }

    @Test func tensorRefusesWrongByteCount() {
        #expect(throws: WeightKitError.self) {
            try Tensor(name: "t", dtype: .float32, shape: Shape([3]), data: TensorData([0, 0, 0, 0]))
        }
    }

    @Test func collectionRefusesDuplicateNames() throws {
        var collection = TensorCollection(format: .safetensors)
        let tensor = try Tensor(name: "a", dtype: .uint8, shape: Shape([1]), data: TensorData([7]))
        try collection.append(tensor)
        #expect(throws: WeightKitError.self) { try collection.append(tensor) }
        #expect(collection["a"]?.data.bytes == [7])
    }

    @Test func mappedFileIsAView() throws {
        let collection = try WeightFile.read(Fixtures.path("safetensors/python-written.safetensors"))
        #expect(collection.tensors.allSatisfy { $0.data.isMapped })
    }

    @Test func errorDescriptionNamesFileAndLocation() {
        let error = WeightKitError(.malformed, "bad thing", file: "x.pth",
                                   location: .init(byteOffset: 12, entry: "archive/data.pkl"))
        #expect(error.description == "x.pth: entry 'archive/data.pkl', offset 12: bad thing")
    }
}
