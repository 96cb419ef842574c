#if WEIGHTKIT_FUZZ
/// SplitMix64 seeded by libFuzzer, so a mutation is reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt32) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A value readers must treat as a limit: zero, one, sign and width boundaries, or anything.
    mutating func boundaryValue() -> UInt64 {
        let boundaries: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                    5_000_000, 1 << 40, UInt64(Int64.max), UInt64.max]
        return Bool.random(using: &self) ? boundaries[Int.random(in: 0..<boundaries.count, using: &self)] : next()
    }
}
#endif
