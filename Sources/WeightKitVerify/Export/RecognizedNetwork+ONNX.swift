import WeightKitCore
import WeightKitFormats

extension RecognizedNetwork {
    /// The network as an ONNX graph: a traced shape pass records every layer the reference pass runs as
    /// standard operators, with the outputs `run` gives under the same names.
    ///
    /// - Parameters:
    ///   - collection: the canonical weights the network was recognised from.
    ///   - options: the operator set, input size and preprocessing.
    /// - Returns: the graph, its initializers the canonical tensors as float32.
    /// - Throws: `WeightKitError` when the network has no backbone, a tensor does not fit, or a part's
    ///   semantics have no standard ONNX form (it names which).
    public func onnxGraph(of collection: TensorCollection, options: ONNXExportOptions) throws(WeightKitError) -> ONNXGraph {
        guard hasBackbone else {
            throw WeightKitError(.unsupported, "no backbone WeightKit runs (ResNet, VoVNet, FBNet of a known architecture) under canonical names, so there is no network to export")
        }
        guard ONNXExportOptions.opsets.contains(options.opset) else {
            throw WeightKitError(.invalidArgument, "opset \(options.opset) is outside \(ONNXExportOptions.opsets.lowerBound)..."
                + "\(ONNXExportOptions.opsets.upperBound), the operator sets the exporter writes")
        }
        let trace = GraphTrace(collection: collection, opset: options.opset)
        let memory = ForwardMemory()
        let weights = try NetworkWeights(checkingShapesOf: collection, memory: memory, trace: trace)
        let side = Self.shapeCheckSide
        var input = try memory.map(channels: 3, height: side, width: side, for: "the traced input")
        input.symbol = options.preprocess ? try trace.preprocess(collection.semantics) : GraphTrace.input
        let boxes = options.roiHeads ? [RegionOfInterest(x1: 16, y1: 16, x2: 112, y2: 112)] : []
        var state = ForwardState(weights: weights, input: input, boxes: boxes)
        try state.run(parts)
        var outputs: [ONNXValueInfo] = []
        for (name, map) in state.outputs {
            guard !outputs.contains(where: { $0.name == name }) else {
                throw WeightKitError(.malformed, "the network gives two outputs named \(name)")
            }
            outputs.append(trace.output(try trace.value(map, readBy: "output \(name)"), as: name))
        }
        return ONNXGraph(name: description.architecture ?? "weightkit", nodes: trace.nodes, initializers: trace.initializers,
                         inputs: Self.inputs(options, boxes: trace.readsBoxes), outputs: outputs)
    }

    private static func inputs(_ options: ONNXExportOptions, boxes: Bool) -> [ONNXValueInfo] {
        let height = options.size.map { ONNXValueInfo.Dimension.fixed($0.height) } ?? .symbolic("height")
        let width = options.size.map { ONNXValueInfo.Dimension.fixed($0.width) } ?? .symbolic("width")
        var inputs = [ONNXValueInfo(name: GraphTrace.input, elementType: .float32, dimensions: [.fixed(1), .fixed(3), height, width])]
        if boxes { inputs.append(ONNXValueInfo(name: GraphTrace.boxes, elementType: .float32, dimensions: [.symbolic("boxes"), .fixed(4)])) }
        return inputs
    }
}
