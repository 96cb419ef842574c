import WeightKitCore

/// The FBNet blocks a file has (`…xif{stage}_{block}.pw.weight`), by the prefix they sit under.
struct FBNetBlockNames {
    private var blocks: [String: [Int: Set<Int>]] = [:]

    init(_ tensors: TensorCollection) {
        for tensor in tensors.tensors where tensor.name.hasSuffix(".pw.weight") {
            guard let range = tensor.name.range(of: "xif", options: .backwards) else { continue }
            let parts = tensor.name[range.upperBound...].dropLast(".pw.weight".count).split(separator: "_")
            guard parts.count == 2, let stage = Int(parts[0]), let block = Int(parts[1]), (0..<1000).contains(stage),
                  (0..<1000).contains(block)
            else { continue }
            blocks[String(tensor.name[..<range.lowerBound]), default: [:]][stage, default: []].insert(block)
        }
    }

    /// Each stage under `prefix` with its block count, when its blocks are numbered 0, 1, ... without gaps
    /// (a gap counts as an extra block, so no architecture matches).
    func stages(under prefix: String) -> [Int: Int] {
        (blocks[prefix] ?? [:]).mapValues { numbers in
            let count = (numbers.max() ?? -1) + 1
            return numbers.count == count ? count : count + 1
        }
    }

    /// Whether every block's expansion (its `pw` width over its input width) is its row's, within the
    /// rounding of maskrcnn-benchmark's width divisor (a sixteenth, or one channel).
    func expansions(agreeWith architecture: FBNetArchitecture, _ tensors: TensorCollection) -> Bool {
        for (prefix, stages) in blocks {
            for (stage, numbers) in stages {
                for block in numbers {
                    guard let row = architecture.row(stage: stage, block: block),
                          let pw = tensors[prefix + "xif\(stage)_\(block).pw.weight"], pw.shape.rank == 4
                    else { return false }
                    let expected = Double(pw.shape.dimensions[1]) * row.row.expansion
                    if abs(Double(pw.shape.dimensions[0]) - expected) > max(1, expected / 16) { return false }
                }
            }
        }
        return true
    }
}
