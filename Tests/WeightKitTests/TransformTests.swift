import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct TransformTests {
    private func tensor(_ values: [Float]) throws -> Tensor {
        let bytes = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        return try Tensor(name: "t", dtype: .float32, shape: Shape([values.count]), data: TensorData(bytes))
    }

    private func halves(_ data: TensorData) -> [UInt16] {
        data.withUnsafeBytes { bytes in
            (0..<bytes.count / 2).map { UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        }
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        // 1 + 2^-8 is halfway between two bfloat16 values: ties go to the even one (1.0).
        // 1 + 3 * 2^-8 is halfway too: it rounds up to the even 1 + 2^-6.
        let values: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, -2.5, .nan, .infinity]
        let cast = halves(try DTypeCast.cast(tensor(values), to: .bfloat16))
        #expect(cast[0] == 0x3F80)
        #expect(cast[1] == 0x3F82)
        #expect(cast[2] == 0xC020)
        #expect(cast[3] & 0x7F80 == 0x7F80 && cast[3] & 0x007F != 0)
        #expect(cast[4] == 0x7F80)
    }

    @Test func float16KeepsNaNAndRounds() throws {
        let cast = halves(try DTypeCast.cast(tensor([1 + 0x1p-11, .nan, 70000, -0.0]), to: .float16))
        #expect(cast[0] == 0x3C00)
        #expect(Float16(bitPattern: cast[1]).isNaN)
        #expect(cast[2] == 0x7C00)
        #expect(cast[3] == 0x8000)
    }

    @Test func bfloat16FromDoubleAvoidsDoubleRounding() {
        // Just above a bfloat16 tie: a Float rounding first would land on the tie and round to even.
        let value = 1 + 0x1p-8 + 0x1p-40
        #expect(FloatingPointBits.bfloat16(from: value) == 0x3F81)
    }

    @Test func integersAreNotCast() throws {
        let ints = try Tensor(name: "i", dtype: .int32, shape: Shape([1]), data: TensorData([1, 0, 0, 0]))
        #expect(try DTypeCast.cast(ints, to: .float16).bytes == [1, 0, 0, 0])
        #expect(DTypeCast.resultType(of: .int32, castingTo: .float16) == .int32)
    }

    @Test func statisticsCountNaNAndInf() throws {
        let stats = try #require(TensorStatistics(tensor([1, 3, .nan, .infinity, -.infinity])))
        #expect(stats.min == 1 && stats.max == 3 && stats.mean == 2 && stats.std == 1)
        #expect(stats.nanCount == 1 && stats.infCount == 2)
    }
}
