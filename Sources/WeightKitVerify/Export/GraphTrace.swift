import WeightKitCore
import WeightKitFormats

/// The ONNX nodes a traced forward pass records: each layer the pass runs adds the node that computes the
/// same function, reading the canonical weights as initializers. A traced pass checks shapes only, so
/// recording needs no weight values; maps carry the name of the graph value they stand for.
package final class GraphTrace {
    /// The graph input that receives the image.
    package static let input = "input"
    /// The graph input that receives the ROI heads' boxes, (R, 4) as x1 y1 x2 y2 in input pixels.
    package static let boxes = "boxes"

    let collection: TensorCollection
    /// The operator set the nodes are written for.
    let opset: Int
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [OutputTensor] = []
    /// Whether a node read the `boxes` input.
    private(set) var readsBoxes = false
    private var taken: Set<String> = [GraphTrace.input, GraphTrace.boxes]
    private var constants: [String: String] = [:]
    /// Values of rank 2 (a fully connected layer's output); every other traced map has rank 4.
    private var matrices: Set<String> = []

    init(collection: TensorCollection, opset: Int) {
        self.collection = collection
        self.opset = opset
    }

    /// A value name not used before, made from `hint`; never the name of a graph output (those have no `#`).
    private func fresh(_ hint: String) -> String {
        var name = hint + "#", number = 0
        while taken.contains(name) {
            number += 1
            name = hint + "#\(number)"
        }
        taken.insert(name)
        return name
    }

    /// Adds a node of `operatorType` reading `inputs` and returns the name of its output.
    @discardableResult
    func node(_ operatorType: String, _ inputs: [String], _ attributes: [String: ONNXNode.Attribute] = [:], named hint: String)
        -> String
    {
        let output = fresh(hint)
        if inputs.contains(Self.boxes) { readsBoxes = true }
        // Elementwise steps keep their input's rank.
        if let first = inputs.first, matrices.contains(first), ["Relu", "Add", "Mul"].contains(operatorType) { matrices.insert(output) }
        nodes.append(ONNXNode(operatorType, inputs: inputs, outputs: [output], name: output, attributes: attributes))
        return output
    }

    /// Names `value` as graph output `name` (an Identity node, so one value can be given under several names).
    ///
    /// - Returns: the output's declaration: float32 of the value's rank, each size left to the runtime.
    func output(_ value: String, as name: String) -> ONNXValueInfo {
        taken.insert(name)
        nodes.append(ONNXNode("Identity", inputs: [value], outputs: [name], name: name))
        let rank = matrices.contains(value) ? 2 : 4
        return ONNXValueInfo(name: name, elementType: .float32, dimensions: Array(repeating: .unknown, count: rank))
    }

    /// Marks `value` as a matrix (N, K).
    func markMatrix(_ value: String) -> String {
        matrices.insert(value)
        return value
    }

    /// The canonical tensor `name` as a float32 initializer, added once.
    ///
    /// - Throws: `WeightKitError` when the file has no such tensor or it is not floating point.
    func weight(_ name: String) throws(WeightKitError) -> String {
        if taken.contains(name) { return name }
        guard let tensor = collection[name] else {
            throw WeightKitError(.malformed, "is read by the network but missing", location: .init(tensor: name))
        }
        guard tensor.dtype.isFloatingPoint else {
            throw WeightKitError(.malformed, "is \(tensor.dtype), not a floating-point weight", location: .init(tensor: name))
        }
        taken.insert(name)
        initializers.append(OutputTensor(name: name, dtype: .float32, shape: tensor.shape) { () throws(WeightKitError) in
            tensor.dtype == .float32 ? tensor.data : try DTypeCast.cast(tensor, to: .float32)
        })
        return name
    }

    /// A constant int64 tensor, shared by every node that needs the same values.
    func constant(int64s values: [Int], shape: [Int]? = nil) throws(WeightKitError) -> String {
        try constant("const.i64", key: "i64\(shape ?? [values.count]):\(values)", dtype: .int64, shape: shape ?? [values.count],
                 bytes: values.flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) })
    }

    /// A constant float32 tensor, shared by every node that needs the same values.
    func constant(floats values: [Float], shape: [Int]? = nil) throws(WeightKitError) -> String {
        try constant("const.f32", key: "f32\(shape ?? [values.count]):\(values.map(\.bitPattern))", dtype: .float32,
                 shape: shape ?? [values.count], bytes: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    /// A Constant node, so that the initializers are the weights and nothing else.
    private func constant(_ hint: String, key: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws(WeightKitError) -> String {
        if let name = constants[key] { return name }
        _ = try Shape(shape)
        let name = node("Constant", [], ["value": .tensor(ONNXNode.Constant(dtype: dtype, dimensions: shape, bytes: bytes))], named: hint)
        constants[key] = name
        return name
    }
}
