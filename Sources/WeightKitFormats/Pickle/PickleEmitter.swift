import WeightKitCore

/// Writes a pickle opcode by opcode, using only opcodes and globals WeightKit's own `PickleMachine` accepts
/// (no memo, no framing), so every pickle WeightKit writes can be read back by WeightKit. Large byte
/// strings stay deferred: the output is a list of chunks, bytes to write and tensor data to produce.
package struct PickleEmitter {
    package enum Chunk {
        case bytes([UInt8])
        /// A tensor's bytes, produced when written; the name is for the error if they come out wrong.
        case data(name: String, TensorData.Producer)
    }

    private(set) package var chunks: [Chunk] = []
    private var pending: [UInt8] = []

    package init(protocol version: UInt8) {
        op(.proto)
        pending.append(version)
    }

    /// The chunks, with the STOP opcode written.
    package mutating func finished() -> [Chunk] {
        op(.stop)
        flush()
        return chunks
    }

    private mutating func flush() {
        if !pending.isEmpty { chunks.append(.bytes(pending)) }
        pending = []
    }

    package mutating func op(_ opcode: PickleOpcode) {
        pending.append(opcode.rawValue)
    }

    private mutating func little<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { pending.append(contentsOf: $0) }
    }

    /// GLOBAL, as `module\nname\n`.
    package mutating func global(_ name: PythonName) {
        op(.global)
        pending.append(contentsOf: Array("\(name.module)\n\(name.name)\n".utf8))
    }

    package mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(.binUnicode)
        little(UInt32(utf8.count))
        pending.append(contentsOf: utf8)
    }

    package mutating func int(_ value: Int) {
        if (0...0xFF).contains(value) {
            op(.binInt1)
            pending.append(UInt8(value))
        } else if (0...0xFFFF).contains(value) {
            op(.binInt2)
            little(UInt16(value))
        } else if (Int(Int32.min)...Int(Int32.max)).contains(value) {
            op(.binInt)
            little(Int32(value))
        } else {
            // LONG1: little-endian two's complement, 8 bytes always enough for an Int.
            op(.long1)
            pending.append(8)
            little(Int64(value))
        }
    }

    package mutating func bool(_ value: Bool) { op(value ? .newTrue : .newFalse) }

    package mutating func none() { op(.none) }

    package mutating func mark() { op(.mark) }

    /// A tuple of the integers in `values` (shapes and strides).
    package mutating func intTuple(_ values: [Int]) {
        if values.isEmpty { return op(.emptyTuple) }
        mark()
        for value in values { int(value) }
        op(.tuple)
    }

    /// A byte string whose bytes come from `producer` when the pickle is written (BINBYTES, or BINBYTES8
    /// past 4 GiB; protocol 3 and 4 respectively).
    package mutating func bytes(_ producer: TensorData.Producer, of name: String) {
        if producer.count <= Int(UInt32.max) {
            op(.binBytes)
            little(UInt32(producer.count))
        } else {
            op(.binBytes8)
            little(UInt64(producer.count))
        }
        flush()
        chunks.append(.data(name: name, producer))
    }

    /// A byte string written inline: SHORT_BINBYTES up to 255 bytes, BINBYTES, BINBYTES8 past 4 GiB.
    package mutating func inlineBytes(_ bytes: [UInt8]) {
        if let short = UInt8(exactly: bytes.count) {
            op(.shortBinBytes)
            pending.append(short)
        } else if let length = UInt32(exactly: bytes.count) {
            op(.binBytes)
            little(length)
        } else {
            op(.binBytes8)
            little(UInt64(bytes.count))
        }
        pending.append(contentsOf: bytes)
    }

    /// A dict of string keys and values, as `{}` then SETITEMS.
    package mutating func stringDict(_ items: [(String, String)]) {
        op(.emptyDict)
        guard !items.isEmpty else { return }
        mark()
        for (key, value) in items {
            string(key)
            string(value)
        }
        op(.setItems)
    }
}
