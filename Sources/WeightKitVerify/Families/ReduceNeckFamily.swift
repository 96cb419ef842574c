import WeightKitCore
import WeightKitLayouts

/// SimpleDet's ReduceNeck (`backbone_reduce`): a 3x3 convolution + ReLU narrowing the last backbone output
/// (a c4c5 backbone's dilated, activated res5 at stride 16) into the single level the ROI heads pool from,
/// while the RPN keeps reading res4. Outputs `box.reduce`.
package struct ReduceNeckFamily: NetworkFamily {
    package static let role = NetworkRole.neck
    static let reduce = CanonicalName.neck + "reduce"

    package static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) -> ReduceNeckFamily? {
        tensors[reduce + ".weight"] != nil ? ReduceNeckFamily() : nil
    }

    package func describe(_ description: inout NetworkDescription) {
        description.neck = "reduce(stride 16)"
    }

    package func run(_ state: inout ForwardState) throws(WeightKitError) {
        guard let input = state.classifierInput ?? state.lastStage else {
            throw WeightKitError(.malformed, "the reduce neck has no backbone output to read")
        }
        var reduced = try state.weights.convolution(input, weight: Self.reduce + ".weight", bias: Self.reduce + ".bias")
        try state.weights.relu(&reduced)
        state.emit("box.reduce", reduced)
        state.roiFeatures = [("p4", reduced)]
    }
}
