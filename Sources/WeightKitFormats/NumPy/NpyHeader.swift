import WeightKitCore

/// The header of a `.npy` file: magic, version, a length, then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
package struct NpyHeader {
    let dtype: NumPyDType
    let fortranOrder: Bool
    let shape: [Int]
    /// Where the array data starts, relative to the start of the `.npy` bytes.
    let dataOffset: Int

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    init(_ bytes: UnsafeRawBufferPointer) throws(WeightKitError) {
        var reader = ByteReader(bytes)
        let head = try reader.readBytes(6, for: "npy magic")
        guard Array(head) == Self.magic else { throw .malformed("missing the \\x93NUMPY magic", at: 0) }
        let major = try reader.readUInt8("npy major version")
        _ = try reader.readUInt8("npy minor version")
        let length: Int
        switch major {
        case 1: length = Int(try reader.readLittleEndian(UInt16.self, "npy header length"))
        case 2, 3: length = Int(try reader.readLittleEndian(UInt32.self, "npy header length"))
        default: throw WeightKitError(.unsupported, "npy format version \(major) is not supported")
        }
        let headerStart = reader.fileOffset
        let text = try reader.readBytes(length, for: "npy header")
        guard let header = String(validating: text, as: UTF8.self) else {
            throw .malformed("npy header is not text", at: headerStart)
        }
        var parser = PythonLiteralParser(header)
        guard case .dict(let fields) = try parser.parse() else {
            throw .malformed("npy header is not a dict", at: headerStart)
        }
        guard case .string(let descr)? = fields["descr"] else {
            throw WeightKitError(.unsupported, "npy header descr is not a simple dtype (structured arrays are refused)")
        }
        guard case .bool(let fortran)? = fields["fortran_order"], case .tuple(let dims)? = fields["shape"] else {
            throw .malformed("npy header lacks fortran_order or shape", at: headerStart)
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let value) = dim, value >= 0 else { throw .malformed("npy shape is not integers", at: headerStart) }
            shape.append(value)
        }
        dtype = try NumPyDType(code: descr)
        fortranOrder = fortran
        self.shape = shape
        dataOffset = reader.position
    }

    /// The array with C-order little-endian bytes, read from `data` (the bytes after the header).
    func tensor(named name: String, data: TensorData, budget: ReadBudget) throws(WeightKitError) -> Tensor {
        try dtype.tensor(
            named: name, dimensions: shape, fortranOrder: fortranOrder, data: data, holder: "the file after its header",
            budget: budget)
    }
}
