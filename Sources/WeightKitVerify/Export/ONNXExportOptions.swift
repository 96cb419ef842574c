/// What an ONNX export writes besides the network: the operator set, the input's size and whether the
/// graph takes raw pixels.
public struct ONNXExportOptions: Sendable, Equatable {
    /// The default operator set: 17, the lowest with every operator the exporter uses (RoiAlign's
    /// `coordinate_transformation_mode` needs 16) that every current runtime runs.
    public static let defaultOpset = 17
    /// The operator sets the exporter writes: RoiAlign-16 from 16, and onnxruntime's CPU kernels up to 21
    /// (RoiAlign-22 has none).
    public static let opsets = 16...21

    /// The `ai.onnx` operator set version written.
    public var opset: Int
    /// A fixed input height and width; nil leaves them symbolic (`height`, `width`).
    public var size: (height: Int, width: Int)?
    /// Whether the input is 0-255 RGB, with the source's channel order, scale, mean and std in the graph.
    public var preprocess: Bool
    /// Whether the ROI heads are part of the graph (they take the `boxes` input); without them the graph
    /// ends at the backbone, neck and dense heads.
    public var roiHeads: Bool

    /// - Parameters:
    ///   - opset: the `ai.onnx` operator set version, within `opsets`.
    ///   - size: a fixed input height and width, or nil for symbolic ones.
    ///   - preprocess: whether the graph normalises 0-255 RGB pixels itself.
    ///   - roiHeads: whether the ROI heads are exported.
    public init(opset: Int = defaultOpset, size: (height: Int, width: Int)? = nil, preprocess: Bool = false, roiHeads: Bool = true) {
        self.opset = opset
        self.size = size
        self.preprocess = preprocess
        self.roiHeads = roiHeads
    }

    /// Whether two option sets write the same model.
    public static func == (lhs: ONNXExportOptions, rhs: ONNXExportOptions) -> Bool {
        lhs.opset == rhs.opset && lhs.preprocess == rhs.preprocess && lhs.roiHeads == rhs.roiHeads && lhs.size?.height == rhs.size?.height
            && lhs.size?.width == rhs.size?.width
    }
}
