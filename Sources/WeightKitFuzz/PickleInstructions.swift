#if WEIGHTKIT_FUZZ
import WeightKitFormats

/// A pickle (or several, one after another, as a legacy torch file holds them) split into opcodes, so a
/// mutation can change one opcode's argument, repeat or drop opcodes, and still give a well-framed pickle.
struct PickleInstructions {
    struct Instruction {
        var opcode: UInt8
        /// Fixed-width and line arguments as stored; for length-prefixed ones, the payload alone.
        var argument: [UInt8]
    }

    /// How an opcode's argument is stored.
    enum Argument {
        case none
        case fixed(Int)
        case lengthPrefixed(width: Int)
        case lines(Int)
    }

    var instructions: [Instruction] = []
    /// What follows the last opcode that parses (a legacy file's raw storages, or garbage).
    var tail: [UInt8] = []

    /// Splits `bytes`; nil when its first opcode is not a pickle's. FRAME opcodes are left out: frames are
    /// optional, and a mutated pickle's old frame lengths would be wrong.
    init?(_ bytes: [UInt8]) {
        var position = 0
        while position < bytes.count, let argument = Self.argument(of: bytes[position]),
              let instruction = Self.instruction(in: bytes, at: &position, argument)
        {
            if instruction.opcode != PickleOpcode.frame.rawValue { instructions.append(instruction) }
        }
        guard !instructions.isEmpty else { return nil }
        tail = Array(bytes[position...])
    }

    var bytes: [UInt8] {
        var output: [UInt8] = []
        for instruction in instructions {
            output.append(instruction.opcode)
            if case .lengthPrefixed(let width)? = Self.argument(of: instruction.opcode) {
                let count = UInt64(instruction.argument.count)
                output += (0..<width).map { UInt8(truncatingIfNeeded: count >> (8 * $0)) }
            }
            output += instruction.argument
        }
        return output + tail
    }

    private static func instruction(in bytes: [UInt8], at position: inout Int, _ argument: Argument) -> Instruction? {
        let opcode = bytes[position]
        var end = position + 1, start = end
        switch argument {
        case .none: break
        case .fixed(let width): end += width
        case .lengthPrefixed(let width):
            guard end + width <= bytes.count else { return nil }
            let length = (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[end + $1]) << (8 * UInt64($1)) }
            start = end + width
            guard length <= UInt64(bytes.count - start) else { return nil }
            end = start + Int(length)
        case .lines(let count):
            for _ in 0..<count {
                guard let newline = bytes[end...].firstIndex(of: 0x0A) else { return nil }
                end = newline + 1
            }
        }
        guard end <= bytes.count else { return nil }
        position = end
        return Instruction(opcode: opcode, argument: Array(bytes[start..<end]))
    }

    static func argument(of opcode: UInt8) -> Argument? {
        guard let known = PickleOpcode(rawValue: opcode) else { return nil }
        switch known {
        case .binInt1, .binGet, .binPut, .proto, .ext1: return .fixed(1)
        case .binInt2, .ext2: return .fixed(2)
        case .binInt, .longBinGet, .longBinPut, .ext4: return .fixed(4)
        case .binFloat, .frame: return .fixed(8)
        case .shortBinString, .shortBinBytes, .shortBinUnicode, .long1: return .lengthPrefixed(width: 1)
        case .binString, .binUnicode, .binBytes, .long4: return .lengthPrefixed(width: 4)
        case .binUnicode8, .binBytes8, .byteArray8: return .lengthPrefixed(width: 8)
        case .int, .long, .float, .string, .unicode, .persistentID, .get, .put: return .lines(1)
        case .global, .inst: return .lines(2)
        default: return Argument.none
        }
    }
}
#endif
