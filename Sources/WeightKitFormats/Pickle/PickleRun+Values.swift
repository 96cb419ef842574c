import WeightKitCore

/// The opcodes that build values: scalars, strings, containers and the memo.
extension PickleRun {
    func declareProtocol(_ reader: inout ByteReader) throws(WeightKitError) {
        let version = Int(try reader.readUInt8("protocol version"))
        guard version <= 5 else { throw refused(.unsupported, "pickle protocol \(version) is newer than 5") }
        declaredProtocol = version
    }

    func checkFrame(_ reader: inout ByteReader) throws(WeightKitError) {
        let length = try reader.readLength64("frame length")
        guard length <= reader.remaining else {
            throw .truncated("frame of \(length) bytes but only \(reader.remaining) remain", at: opcodeOffset)
        }
    }

    func mark() throws(WeightKitError) {
        guard marks.count < machine.limits.maximumMarks else {
            throw refused(.limitExceeded, "more than \(machine.limits.maximumMarks) nested MARKs")
        }
        marks.append(stack.count)
    }

    /// POP: the top value, or an empty MARK.
    func popOrMark() throws(WeightKitError) {
        if stack.count == (marks.last ?? -1) {
            marks.removeLast()
        } else {
            _ = try pop()
        }
    }

    func pushLong4(_ reader: inout ByteReader) throws(WeightKitError) {
        let length = Int(try reader.readLittleEndian(Int32.self, "LONG4 length"))
        let bytes = try reader.readBytes(length, for: "LONG4")
        try produce(bytes.count, "a LONG4 integer")
        try push(integer(fromLittleEndian: bytes))
    }

    func pushTextFloat(_ reader: inout ByteReader) throws(WeightKitError) {
        let text = try line(&reader, "FLOAT")
        guard let value = Double(text.trimmingSpaces) else { throw malformed("FLOAT '\(text)' is not a number") }
        try push(.float(value))
    }

    func pushQuotedString(_ reader: inout ByteReader) throws(WeightKitError) {
        let quoted = try line(&reader, "STRING")
        try produce(quoted.utf8.count, "a STRING")
        try push(.binaryString(TensorData(try PickleText.quotedString(quoted, at: opcodeOffset))))
    }

    /// TUPLE1, TUPLE2, TUPLE3: the top `count` values, in order.
    func pushTuple(of count: Int) throws(WeightKitError) {
        var items: [PickleValue] = []
        for _ in 0..<count { items.insert(try pop(), at: 0) }
        try push(try tuple(items))
    }

    /// A list (or set) holding `items`, built in the arena.
    func list(_ items: [PickleValue]) throws(WeightKitError) -> PickleList {
        let list = try keep(PickleList(), holding: items)
        list.items = items
        return list
    }

    func pushDict(_ items: [PickleValue]) throws(WeightKitError) {
        let dict = try keep(PickleDict())
        try setItems(items, in: .dict(dict))
        try push(.dict(dict))
    }

    func setItem() throws(WeightKitError) {
        let value = try pop(), key = try pop()
        try setItems([key, value], in: try top())
    }

    func addItems(_ items: [PickleValue]) throws(WeightKitError) {
        guard case .set(let set) = try top() else { throw malformed("ADDITEMS on a \(try top().kindName)") }
        try deepen(set, by: items)
        set.items.append(contentsOf: items)
    }

    /// The text up to the next newline: UTF-8, or latin-1 for raw-unicode-escape.
    func line(_ reader: inout ByteReader, _ what: String, latin1: Bool = false) throws(WeightKitError) -> String {
        let start = reader.position
        var end = start
        while end < reader.bytes.count, reader.bytes[end] != 0x0A { end += 1 }
        guard end < reader.bytes.count else {
            throw .truncated("\(what) has no terminating newline", at: reader.fileOffset)
        }
        let raw = UnsafeRawBufferPointer(rebasing: reader.bytes[start..<end])
        let text = latin1
            ? String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
            : String(decoding: raw, as: UTF8.self)
        try reader.skip(end - start + 1, for: what)
        return text
    }

    func slice(_ reader: inout ByteReader, _ length: Int, _ what: String) throws(WeightKitError) -> TensorData {
        let dataStart = reader.baseOffset - baseOffset
        let range = try reader.take(length, for: what)
        return data.slice(dataStart + range.lowerBound..<dataStart + range.upperBound)
    }

    /// Strings past this size are array data in disguise (`_codecs.encode`), kept as views of their bytes.
    static let largeStringThreshold = 4096

    func text(_ reader: inout ByteReader, _ length: Int) throws(WeightKitError) -> PickleValue {
        guard length >= Self.largeStringThreshold else { return .string(try utf8(&reader, length)) }
        return .utf8Text(try slice(&reader, length, "string"))
    }

    func utf8(_ reader: inout ByteReader, _ length: Int) throws(WeightKitError) -> String {
        let bytes = try reader.readBytes(length, for: "string")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw malformed("string is not valid UTF-8")
        }
        return text
    }

    func integer(fromLittleEndian bytes: UnsafeRawBufferPointer) -> PickleValue {
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(Array(bytes)) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        let shift = UInt64(64 - 8 * bytes.count)
        // Sign-extend from the top bit of the last byte.
        return .int(Int(Int64(bitPattern: value << shift) >> Int64(shift)))
    }

    func remember(_ index: Int) throws(WeightKitError) {
        let value = try top()
        if memo.updateValue(value, forKey: index) == nil { try count() }
    }

    /// INT and LONG text: a huge decimal costs time quadratic in its digits, so it is charged as such.
    func decimal(_ text: String, bool: Bool) throws(WeightKitError) -> PickleValue {
        let digits = text.utf8.count
        if digits > 18 { try work(digits * digits / 2, "a \(digits)-digit integer") }
        return try PickleText.integer(text, bool: bool, at: opcodeOffset)
    }

    func recall(_ index: Int) throws(WeightKitError) {
        guard let value = memo[index] else { throw malformed("memo entry \(index) was never stored") }
        try push(value)
    }

    func appendItems(_ items: [PickleValue], to target: PickleValue) throws(WeightKitError) {
        guard case .list(let list) = target else { throw malformed("APPEND to a \(target.kindName)") }
        try deepen(list, by: items)
        list.items.append(contentsOf: items)
    }

    func setItems(_ items: [PickleValue], in target: PickleValue) throws(WeightKitError) {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        guard case .dict(let dict) = target else { throw malformed("SETITEM on a \(target.kindName)") }
        try deepen(dict, by: items)
        for index in stride(from: 0, to: items.count, by: 2) {
            try set(items[index], items[index + 1], in: dict)
        }
    }

    /// Sets one dict item, charging the hashing of its key: a large key set again and again is hashed
    /// (and, for bytes, copied) each time.
    func set(_ key: PickleValue, _ value: PickleValue, in dict: PickleDict) throws(WeightKitError) {
        try work(key.hashCost, "hashing a dict key")
        dict.set(key, value)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\r" }).reversed())
    }
}
