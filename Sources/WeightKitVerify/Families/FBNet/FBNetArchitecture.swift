/// What an FBNet architecture of maskrcnn-benchmark (`fbnet_modeldef.py`) says that its weights do not: the
/// rows of blocks in each stage, with each row's stride and expansion, and which stages the trunk, the RPN
/// head and the box and mask heads are. Block `xif{stage}_{block}` takes its row's stride when it is the
/// row's first block and stride 1 otherwise; a negative stride upsamples (nearest) before the depthwise
/// convolution.
struct FBNetArchitecture: Sendable {
    /// One `[t, c, n, s]` row of a stage, without its width (the weights carry it).
    struct Row: Sendable {
        let expansion: Double
        let count: Int
        let stride: Int
    }

    let name: String
    let stages: [[Row]]
    let trunk: [Int]
    let rpn: Int?
    let box: Int?
    let mask: Int?

    /// The blocks stage `stage` has, or 0 where the architecture has no such stage.
    func blockCount(stage: Int) -> Int {
        stages.indices.contains(stage) ? stages[stage].reduce(0) { $0 + $1.count } : 0
    }

    /// The row block `block` of stage `stage` belongs to, and whether it is the row's first block.
    func row(stage: Int, block: Int) -> (row: Row, first: Bool)? {
        guard stages.indices.contains(stage), block >= 0 else { return nil }
        var start = 0
        for row in stages[stage] {
            if block < start + row.count { return (row, block == start) }
            start += row.count
        }
        return nil
    }

    /// The stride block `block` of stage `stage` runs with (negative: upsampling by its magnitude).
    func stride(stage: Int, block: Int) -> Int? {
        row(stage: stage, block: block).map { $0.first ? $0.row.stride : 1 }
    }

    /// Whether a file's blocks per stage (trunk, RPN, box and mask heads; empty where the file lacks the
    /// part) are this architecture's.
    func matches(trunk: [Int: Int], rpn: [Int: Int], box: [Int: Int], mask: [Int: Int]) -> Bool {
        func counts(_ stages: [Int]) -> [Int: Int] {
            Dictionary(stages.map { ($0, blockCount(stage: $0)) }, uniquingKeysWith: { first, _ in first })
        }
        guard trunk == counts(self.trunk) else { return false }
        return [(rpn, self.rpn), (box, self.box), (mask, self.mask)].allSatisfy { found, stage in
            found.isEmpty || stage.map { found == counts([$0]) } == true
        }
    }

    /// Whether this architecture runs the blocks of `stages` with the strides `other` does.
    func runsLike(_ other: FBNetArchitecture, stages: [Int]) -> Bool {
        stages.allSatisfy { stage in
            blockCount(stage: stage) == other.blockCount(stage: stage)
                && (0..<blockCount(stage: stage)).allSatisfy { self.stride(stage: stage, block: $0) == other.stride(stage: stage, block: $0) }
        }
    }
}
