/// Conversions between the stored bit patterns of the narrow float formats and `Double`.
package enum FloatingPointBits {
    static func double(fromBFloat16 bits: UInt16) -> Double {
        Double(Float(bitPattern: UInt32(bits) << 16))
    }

    /// Rounds to the nearest bfloat16, ties to even; NaN stays a (quiet) NaN with its sign.
    static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        let roundingBias = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// Rounds a double to the nearest bfloat16 without the double rounding that going through a
    /// nearest-rounded `Float` would cause: the intermediate is rounded to odd instead.
    package static func bfloat16(from value: Double) -> UInt16 {
        guard value.isFinite else { return bfloat16(from: Float(value)) }
        var narrowed = Float(value)
        if narrowed.isInfinite || Double(narrowed) == value {
            return bfloat16(from: narrowed)
        }
        if abs(Double(narrowed)) > abs(value) {
            narrowed = Float(bitPattern: narrowed.bitPattern - 1)
        }
        return bfloat16(from: Float(bitPattern: narrowed.bitPattern | 1))
    }

    /// float8 e4m3fn: bias 7, no infinities, S.1111.111 is NaN.
    static func double(fromFloat8E4M3FN bits: UInt8) -> Double {
        let sign: Double = bits & 0x80 != 0 ? -1 : 1
        let exponent = Int((bits >> 3) & 0x0F)
        let mantissa = Double(bits & 0x07)
        if exponent == 0x0F && bits & 0x07 == 0x07 { return .nan }
        if exponent == 0 { return sign * mantissa / 8 * 0x1p-6 }
        return sign * (1 + mantissa / 8) * Double(sign: .plus, exponent: exponent - 7, significand: 1)
    }

    /// float8 e5m2: the top byte of an IEEE half.
    static func double(fromFloat8E5M2 bits: UInt8) -> Double {
        Double(Float16(bitPattern: UInt16(bits) << 8))
    }
}
