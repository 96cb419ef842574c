import WeightKitCore

extension ForwardState {
    /// Runs `parts` in order. When one leaves trident branches (`branches`), every part after it runs once
    /// per branch on that branch's res4, and its outputs are named `NAME.branchI`.
    ///
    /// - Throws: `WeightKitError` from any part.
    mutating func run(_ parts: [any NetworkFamily]) throws(WeightKitError) {
        for (index, part) in parts.enumerated() {
            try part.run(&self)
            guard let branches else { continue }
            self.branches = nil
            let rest = parts[(index + 1)...]
            for (number, branch) in branches.enumerated() {
                var copy = withoutOutputs
                copy.stages[4] = branch
                for later in rest { try later.run(&copy) }
                for (name, value) in copy.outputs { emit(name + ".branch\(number)", value) }
            }
            return
        }
    }
}
