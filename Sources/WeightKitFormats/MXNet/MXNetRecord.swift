import Foundation
import Glibc
import WeightKitCore

/// One NDArray record.
package struct MXNetRecord {
    enum Storage {
        case dense
        case rowSparse(indices: TensorData, indexType: DType)
        case csr(indptr: TensorData, indptrType: DType, indices: TensorData, indexType: DType)
    }

    let dtype: DType
    let shape: Shape
    let data: TensorData
    let storage: Storage

    /// Reads a record; nil for an empty (none) array.
    init?(_ reader: inout ByteReader, file: MappedFile) throws(WeightKitError) {
        let magicOffset = reader.fileOffset
        guard let header = try Self.header(&reader) else { return nil }
        _ = try reader.readLittleEndian(Int32.self, "device type")
        _ = try reader.readLittleEndian(Int32.self, "device id")
        let flagOffset = reader.fileOffset
        let flag = try reader.readLittleEndian(Int32.self, "type flag")
        guard let dtype = MXNetTypeFlag.dtype(flag) else {
            throw WeightKitError(.unsupported, "unknown MXNet type flag \(flag)", location: .init(byteOffset: flagOffset))
        }
        self.dtype = dtype
        shape = try Shape(header.dimensions)
        let auxiliary = try Self.auxiliaryTypes(&reader, count: header.storageType == 1 ? 1 : header.storageType == 2 ? 2 : 0)
        let dataShape = try header.storageShape.map { (dims) throws(WeightKitError) in try Shape(dims) } ?? shape
        data = try Self.bytes(&reader, file: file, count: try dataShape.byteCount(of: dtype), what: "array data")
        storage = try Self.storage(header.storageType, auxiliary, &reader, file: file, shape: shape, dataShape: dataShape,
                                   at: magicOffset)
    }

    /// The record's magic, storage type and shape; nil for an empty array.
    private static func header(_ reader: inout ByteReader) throws(WeightKitError)
        -> (storageType: Int32, storageShape: [Int]?, dimensions: [Int])?
    {
        let magicOffset = reader.fileOffset
        let magic = try reader.readLittleEndian(UInt32.self, "record magic")
        switch magic {
        case MXNetParamsReader.v2Magic, MXNetParamsReader.v3Magic:
            let storageType = try reader.readLittleEndian(Int32.self, "storage type")
            guard (0...2).contains(storageType) else {
                throw .malformed("unknown storage type \(storageType)", at: magicOffset + 4)
            }
            let storageShape = storageType != 0 ? try shape(&reader, numpySemantics: false) : nil
            return try shape(&reader, numpySemantics: magic == MXNetParamsReader.v3Magic).map { (storageType, storageShape, $0) }
        case MXNetParamsReader.v1Magic:
            return try shape(&reader, numpySemantics: false).map { (0, nil, $0) }
        default:
            // Legacy records have no magic: the first word is the rank, then 32-bit dimensions.
            guard magic <= 32 else { throw .malformed("unknown record magic 0x\(String(magic, radix: 16))", at: magicOffset) }
            var legacy: [Int] = []
            for _ in 0..<magic {
                legacy.append(Int(try reader.readLittleEndian(UInt32.self, "legacy dimension")))
            }
            return magic == 0 ? nil : (0, nil, legacy)
        }
    }

    /// A sparse record's index arrays' types and shapes.
    private static func auxiliaryTypes(_ reader: inout ByteReader, count: Int) throws(WeightKitError) -> [(DType, Shape)] {
        var auxiliary: [(DType, Shape)] = []
        for _ in 0..<count {
            let at = reader.fileOffset
            let auxFlag = try reader.readLittleEndian(Int32.self, "aux type flag")
            guard let auxType = MXNetTypeFlag.dtype(auxFlag), auxType == .int64 || auxType == .int32 else {
                throw .malformed("sparse index type flag \(auxFlag) is not an integer type", at: at)
            }
            guard let auxDimensions = try shape(&reader, numpySemantics: false) else {
                throw .malformed("sparse index array has no shape", at: at)
            }
            auxiliary.append((auxType, try Shape(auxDimensions)))
        }
        return auxiliary
    }

    /// Dense storage, or a sparse record's index arrays read and checked against its shapes.
    private static func storage(
        _ type: Int32, _ auxiliary: [(DType, Shape)], _ reader: inout ByteReader, file: MappedFile, shape: Shape,
        dataShape: Shape, at offset: Int
    ) throws(WeightKitError) -> Storage {
        switch type {
        case 1:
            let (indexType, indexShape) = auxiliary[0]
            let indices = try bytes(&reader, file: file, count: try indexShape.byteCount(of: indexType), what: "row indices")
            guard dataShape.rank == shape.rank, dataShape.rank >= 1,
                  Array(dataShape.dimensions.dropFirst()) == Array(shape.dimensions.dropFirst()),
                  indexShape.elementCount == dataShape.dimensions[0]
            else { throw .malformed("row_sparse shapes disagree", at: offset) }
            return .rowSparse(indices: indices, indexType: indexType)
        case 2:
            let (indptrType, indptrShape) = auxiliary[0], (indexType, indexShape) = auxiliary[1]
            let indptr = try bytes(&reader, file: file, count: try indptrShape.byteCount(of: indptrType), what: "csr indptr")
            let indices = try bytes(&reader, file: file, count: try indexShape.byteCount(of: indexType), what: "csr indices")
            guard shape.rank == 2, shape.dimensions[0] < Int.max, indptrShape.elementCount == shape.dimensions[0] + 1,
                  indexShape.elementCount == dataShape.elementCount
            else { throw .malformed("csr shapes disagree", at: offset) }
            return .csr(indptr: indptr, indptrType: indptrType, indices: indices, indexType: indexType)
        default:
            return .dense
        }
    }

    /// A shape: i32 rank then 64-bit dimensions. Nil means "none": rank 0 (or, with NumPy semantics,
    /// rank -1 or an unknown dimension).
    private static func shape(_ reader: inout ByteReader, numpySemantics: Bool) throws(WeightKitError) -> [Int]? {
        let at = reader.fileOffset
        let rank = try reader.readLittleEndian(Int32.self, "rank")
        if numpySemantics && rank == -1 { return nil }
        guard (0...Int32(MXNetParamsReader.maximumRank)).contains(rank) else { throw .malformed("rank \(rank) is out of range", at: at) }
        if rank == 0 { return numpySemantics ? [] : nil }
        var dimensions: [Int] = []
        for _ in 0..<rank {
            let dimension = try reader.readLittleEndian(Int64.self, "dimension")
            if numpySemantics && dimension == -1 { return nil }
            guard dimension >= 0 else { throw .malformed("negative dimension \(dimension)", at: at) }
            dimensions.append(Int(dimension))
        }
        return dimensions
    }

    private static func bytes(
        _ reader: inout ByteReader, file: MappedFile, count: Int, what: String
    ) throws(WeightKitError) -> TensorData {
        let range = try reader.take(count, for: what)
        return TensorData(file: file, range: range)
    }

    /// The dense tensor: the record's own bytes, or the sparse values scattered into zeros.
    func tensor(named name: String, budget: ReadBudget) throws(WeightKitError) -> Tensor {
        if case .dense = storage {
            return try Tensor(name: name, dtype: dtype, shape: shape, data: data)
        }
        // A sparse record can describe a dense shape far larger than its bytes: charged before allocating.
        var dense = [UInt8](repeating: 0, count: try budget.charged(bytes: try shape.byteCount(of: dtype),
                                                                    for: "densifying a sparse array of shape \(shape)"))
        if shape.elementCount > 0 {
            switch storage {
            case .dense: break
            case .rowSparse(let indices, let indexType): try scatterRows(Self.integers(indices, indexType), into: &dense)
            case .csr(let indptr, let indptrType, let indices, let indexType):
                try scatterCSR(Self.integers(indptr, indptrType), Self.integers(indices, indexType), into: &dense)
            }
        }
        return try Tensor(name: name, dtype: dtype, shape: shape, data: TensorData(dense))
    }

    /// row_sparse: each stored row copied to its index.
    private func scatterRows(_ rows: [Int], into dense: inout [UInt8]) throws(WeightKitError) {
        let rowBytes = shape.rank == 1 ? dtype.itemSize : try Shape(Array(shape.dimensions.dropFirst())).byteCount(of: dtype)
        for (position, row) in rows.enumerated() {
            guard row >= 0, row < shape.dimensions[0] else {
                throw WeightKitError(.malformed, "row_sparse index \(row) is outside \(shape.dimensions[0]) rows")
            }
            copy(from: position * rowBytes, to: row * rowBytes, count: rowBytes, into: &dense)
        }
    }

    /// csr: each stored value copied to its row and column.
    private func scatterCSR(_ indptr: [Int], _ columns: [Int], into dense: inout [UInt8]) throws(WeightKitError) {
        let rowCount = shape.dimensions[0], columnCount = shape.dimensions[1], item = dtype.itemSize
        for row in 0..<rowCount {
            let start = indptr[row], end = indptr[row + 1]
            guard start >= 0, start <= end, end <= columns.count else {
                throw WeightKitError(.malformed, "csr indptr is not non-decreasing within the values")
            }
            for position in start..<end {
                let column = columns[position]
                guard column >= 0, column < columnCount else {
                    throw WeightKitError(.malformed, "csr column \(column) is outside \(columnCount) columns")
                }
                copy(from: position * item, to: (row * columnCount + column) * item, count: item, into: &dense)
            }
        }
    }

    /// Copies `count` bytes of the record's data at `source` into `dense` at `target`.
    private func copy(from source: Int, to target: Int, count: Int, into dense: inout [UInt8]) {
        data.withUnsafeBytes { bytes in
            dense.withUnsafeMutableBytes { dense in
                dense[target..<target + count].copyBytes(from: bytes[source..<source + count])
            }
        }
    }

    private static func integers(_ data: TensorData, _ type: DType) -> [Int] {
        data.withUnsafeBytes { bytes in
            let size = type.itemSize
            return (0..<bytes.count / size).map { index in
                size == 8
                    ? Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
                    : Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
            }
        }
    }
}
