#if WEIGHTKIT_FUZZ
/// Opcode-level pickle mutations: what a crafted pickle does (a memo index or length at its limit, a call
/// or container opcode repeated thousands of times, an opcode moved or dropped), with every argument and
/// length prefix still framed, so the mutated pickle gets past the opcode reader to the machine's budget.
enum PickleMutation {
    static let maximumGrowth = 16 << 10

    /// `bytes` mutated; nil when they are no pickle.
    static func mutated(_ bytes: [UInt8], maxSize: Int, seed: UInt32) -> [UInt8]? {
        // Growth is bounded per mutation: a large pickle is slow to run, and amplification needs few bytes.
        let maxSize = min(maxSize, bytes.count + maximumGrowth)
        guard var pickle = PickleInstructions(bytes) else { return nil }
        var random = SeededGenerator(seed: seed)
        let index = Int.random(in: 0..<pickle.instructions.count, using: &random)
        switch random.next() % 6 {
        case 0: setBoundary(&pickle.instructions[index], using: &random)
        case 1: repeatRun(at: index, in: &pickle, maxSize: maxSize, using: &random)
        case 2: pickle.instructions.remove(at: index)
        case 3:
            let copy = pickle.instructions[Int.random(in: 0..<pickle.instructions.count, using: &random)]
            pickle.instructions.insert(copy, at: index)
        case 4:
            let other = Int.random(in: 0..<pickle.instructions.count, using: &random)
            pickle.instructions.swapAt(index, other)
        default: mutatePayload(&pickle.instructions[index], maxSize: maxSize - bytes.count)
        }
        let output = pickle.bytes
        return output.count <= maxSize ? output : nil
    }

    /// A fixed-width argument (an integer, a memo index, a protocol) set to a boundary value.
    private static func setBoundary(_ instruction: inout PickleInstructions.Instruction, using random: inout SeededGenerator) {
        guard case .fixed(let width)? = PickleInstructions.argument(of: instruction.opcode) else { return }
        let value = random.boundaryValue()
        instruction.argument = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// One to four opcodes repeated up to 4,096 times: amplification through shared references.
    private static func repeatRun(
        at index: Int, in pickle: inout PickleInstructions, maxSize: Int, using random: inout SeededGenerator
    ) {
        let end = min(pickle.instructions.count, index + Int.random(in: 1...4, using: &random))
        let run = Array(pickle.instructions[index..<end])
        let runSize = run.reduce(0) { $0 + 9 + $1.argument.count }
        let room = max(0, (maxSize - pickle.bytes.count) / max(runSize, 1))
        let copies = min(room, 1 << Int.random(in: 1...12, using: &random))
        guard copies > 0 else { return }
        pickle.instructions.insert(contentsOf: Array(repeating: run, count: copies).joined(), at: end)
    }

    /// A string, bytes or line argument mutated by libFuzzer, its length prefix rewritten to match.
    private static func mutatePayload(_ instruction: inout PickleInstructions.Instruction, maxSize: Int) {
        let limit: Int
        switch PickleInstructions.argument(of: instruction.opcode) {
        case .lengthPrefixed(let width)?: limit = width >= 8 ? Int.max : (1 << (8 * width)) - 1
        case .lines?: limit = Int.max
        default: return
        }
        let grown = LibFuzzerBytes.mutated(instruction.argument, maxSize: instruction.argument.count + max(maxSize, 0))
        instruction.argument = Array(grown.prefix(limit))
    }
}
#endif
