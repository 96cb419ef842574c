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

/// Parses the few Python literals `.npy` headers use: dicts, tuples, lists, strings, ints, True/False/None.
package struct PythonLiteralParser {
    enum Value {
        case dict([String: Value])
        case tuple([Value])
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func parse() throws(WeightKitError) -> Value {
        let value = try parseValue()
        skipSpace()
        guard index == scalars.count else { throw failure("unexpected text after the header dict") }
        return value
    }

    private func failure(_ reason: String) -> WeightKitError {
        WeightKitError(.malformed, "npy header: \(reason)")
    }

    private mutating func skipSpace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    private mutating func parseValue() throws(WeightKitError) -> Value {
        skipSpace()
        guard index < scalars.count else { throw failure("ends early") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 16 else { throw failure("nested too deeply") }
        switch scalars[index] {
        case "{": return try parseDict()
        case "(": return try parseSequence(closedBy: ")")
        case "[": return try parseSequence(closedBy: "]")
        case "'", "\"": return try parseString()
        default: return try parseWord()
        }
    }

    private mutating func parseDict() throws(WeightKitError) -> Value {
        index += 1
        var fields: [String: Value] = [:]
        while true {
            skipSpace()
            if index < scalars.count, scalars[index] == "}" {
                index += 1
                return .dict(fields)
            }
            guard case .string(let key) = try parseValue() else { throw failure("dict key is not a string") }
            skipSpace()
            guard index < scalars.count, scalars[index] == ":" else { throw failure("expected ':'") }
            index += 1
            fields[key] = try parseValue()
            skipSpace()
            if index < scalars.count, scalars[index] == "," { index += 1 }
        }
    }

    private mutating func parseSequence(closedBy close: Unicode.Scalar) throws(WeightKitError) -> Value {
        index += 1
        var items: [Value] = []
        while true {
            skipSpace()
            if index < scalars.count, scalars[index] == close {
                index += 1
                return .tuple(items)
            }
            items.append(try parseValue())
            skipSpace()
            if index < scalars.count, scalars[index] == "," { index += 1 }
        }
    }

    private mutating func parseString() throws(WeightKitError) -> Value {
        let quote = scalars[index]
        index += 1
        var text = String.UnicodeScalarView()
        while index < scalars.count, scalars[index] != quote {
            text.append(scalars[index])
            index += 1
        }
        guard index < scalars.count else { throw failure("unterminated string") }
        index += 1
        return .string(String(text))
    }

    /// `True`, `False`, `None` or an integer (Python 2 may write `3L`).
    private mutating func parseWord() throws(WeightKitError) -> Value {
        var word = ""
        while index < scalars.count, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index])
            || scalars[index] == "-" || scalars[index] == "L" {
            word.unicodeScalars.append(scalars[index])
            index += 1
        }
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            guard let value = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) else {
                throw failure("unexpected '\(word)'")
            }
            return .int(value)
        }
    }
}
