import WeightKitCore

/// Parsing of the text arguments of protocol 0 opcodes (INT, LONG, STRING, UNICODE, GET, PUT).
package enum PickleText {
    /// INT and LONG: decimal text; INT's "01"/"00" are True/False; LONG may end in 'L'.
    static func integer(_ text: String, bool: Bool, at offset: Int) throws(WeightKitError) -> PickleValue {
        if bool, text == "01" { return .bool(true) }
        if bool, text == "00" { return .bool(false) }
        var digits = Substring(text)
        if digits.hasSuffix("L") { digits.removeLast() }
        if let value = Int(digits) { return .int(value) }
        guard !digits.isEmpty, digits.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
            throw .malformed("'\(text)' is not an integer", at: offset)
        }
        guard digits.count <= 4_300 else {
            throw WeightKitError(.limitExceeded, "integer of \(digits.count) digits", location: .init(byteOffset: offset))
        }
        return .bigInt(twosComplement(decimal: digits))
    }

    /// Little-endian two's complement bytes of a decimal integer, minimal as pickle's LONG1 writes them.
    private static func twosComplement(decimal: Substring) -> [UInt8] {
        let negative = decimal.hasPrefix("-")
        var magnitude: [UInt8] = [0]
        for digit in decimal.utf8 where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) {
            var carry = Int(digit - UInt8(ascii: "0"))
            for index in magnitude.indices {
                let value = Int(magnitude[index]) * 10 + carry
                magnitude[index] = UInt8(value & 0xFF)
                carry = value >> 8
            }
            while carry > 0 {
                magnitude.append(UInt8(carry & 0xFF))
                carry >>= 8
            }
        }
        if magnitude.last.map({ $0 & 0x80 != 0 }) ?? false { magnitude.append(0) }
        guard negative else { return magnitude }
        var carry = 1
        var result = magnitude.map { byte -> UInt8 in
            let value = Int(~byte) + carry
            carry = value >> 8
            return UInt8(value & 0xFF)
        }
        while result.count > 1, result[result.count - 1] == 0xFF, result[result.count - 2] & 0x80 != 0 {
            result.removeLast()
        }
        return result
    }

    /// GET and PUT: a decimal memo index.
    static func index(_ text: String, at offset: Int) throws(WeightKitError) -> Int {
        guard let value = Int(text), value >= 0 else {
            throw .malformed("memo index '\(text)' is not a number", at: offset)
        }
        return value
    }

    /// STRING: a Python 2 repr, quoted with ' or ", with backslash escapes; the result is bytes.
    static func quotedString(_ text: String, at offset: Int) throws(WeightKitError) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, let quote = bytes.first, quote == bytes.last,
              quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")
        else {
            throw .malformed("STRING argument is not quoted", at: offset)
        }
        var output: [UInt8] = []
        var index = 1
        let end = bytes.count - 1
        while index < end {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                continue
            }
            guard index < end else { throw .malformed("STRING ends in a backslash", at: offset) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "a"): output.append(0x07)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "v"): output.append(0x0B)
            case UInt8(ascii: "x"):
                guard index + 2 <= end, let value = UInt8(String(decoding: bytes[index..<index + 2], as: UTF8.self), radix: 16)
                else { throw .malformed("bad \\x escape in STRING", at: offset) }
                output.append(value)
                index += 2
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escape - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < end, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                output.append(UInt8(truncatingIfNeeded: value))
            default:
                output.append(escape)
            }
        }
        return output
    }

    /// UNICODE: raw-unicode-escape text, where only \uXXXX and \UXXXXXXXX are escapes.
    static func rawUnicodeEscape(_ text: String, at offset: Int) throws(WeightKitError) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count, scalars[index + 1] == "u" || scalars[index + 1] == "U" {
                let width = scalars[index + 1] == "u" ? 4 : 8
                let digitsStart = index + 2
                guard digitsStart + width <= scalars.count,
                      let value = UInt32(String(String.UnicodeScalarView(scalars[digitsStart..<digitsStart + width])), radix: 16),
                      let decoded = Unicode.Scalar(value)
                else {
                    throw .malformed("bad \\u escape in UNICODE", at: offset)
                }
                output.append(decoded)
                index = digitsStart + width
            } else {
                output.append(scalar)
                index += 1
            }
        }
        return String(output)
    }
}
