import WeightKitCore
import WeightKitFormats

extension GraphTrace {
    /// The nodes that turn 0-255 RGB pixels into what the first layer takes: the source's channel order,
    /// pixel scale, mean and std.
    ///
    /// - Throws: `WeightKitError` when the source records no pixel mean or std (detectron2 keeps its std in
    ///   the training config, not the checkpoint): nothing says how it normalises.
    func preprocess(_ semantics: WeightSemantics) throws(WeightKitError) -> String {
        guard let mean = semantics.pixelMean, mean.count == 3, let std = semantics.pixelStd, std.count == 3 else {
            throw WeightKitError(.unsupported, "the source records no pixel \(semantics.pixelMean == nil ? "mean" : "std"), so "
                + "--preprocess cannot say how it normalises its input; feed `input` normalised instead")
        }
        var x = Self.input
        if semantics.channelOrder == .bgr {
            x = node("Gather", [x, try constant(int64s: [2, 1, 0])], ["axis": .int(1)], named: "input.bgr")
        }
        if semantics.pixelScale == .unit {
            x = node("Div", [x, try constant(floats: [255], shape: [])], named: "input.unit")
        }
        x = node("Sub", [x, try constant(floats: mean.map { Float($0) }, shape: [1, 3, 1, 1])], named: "input.centred")
        return node("Div", [x, try constant(floats: std.map { Float($0) }, shape: [1, 3, 1, 1])], named: "input.scaled")
    }
}
