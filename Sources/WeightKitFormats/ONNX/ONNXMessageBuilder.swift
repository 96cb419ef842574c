import CONNXProto
import CProtobufC
import WeightKitCore

/// Builds protoc-c's message structs for an `ONNXModel` in one arena. Initializer bytes that are a view of
/// a mapped file are pointed to, not copied; the files are kept open until the model is packed.
struct ONNXMessageBuilder {
    let arena = ProtobufArena()
    private(set) var mappedFiles: [MappedFile] = []
    /// Where initializer bytes go instead of `raw_data`, when they are kept beside the model.
    let externalData: ONNXExternalDataFile?

    init(externalData: ONNXExternalDataFile? = nil) {
        self.externalData = externalData
    }

    mutating func model(_ model: ONNXModel) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__ModelProto> {
        let graph = try self.graph(model.graph)
        let arena = arena
        let opset = try arena.message(onnx__operator_set_id_proto__init) { (set: inout Onnx__OperatorSetIdProto) throws(WeightKitError) in
            set.domain = try arena.string("")
            set.has_version = 1
            set.version = Int64(model.opsetVersion)
        }
        let metadata = try model.metadata.map { entry throws(WeightKitError) in try Optional(self.entry(entry.key, entry.value)) }
        return try arena.message(onnx__model_proto__init) { (message: inout Onnx__ModelProto) throws(WeightKitError) in
            message.has_ir_version = 1
            message.ir_version = Int64(model.irVersion)
            message.producer_name = try arena.string(model.producerName)
            message.producer_version = try arena.string(model.producerVersion)
            message.graph = graph
            message.n_opset_import = 1
            message.opset_import = try arena.array([Optional(opset)])
            message.n_metadata_props = metadata.count
            message.metadata_props = try arena.array(metadata)
        }
    }

    private mutating func graph(_ graph: ONNXGraph) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__GraphProto> {
        let nodes = try graph.nodes.map { node throws(WeightKitError) in try Optional(self.node(node)) }
        var initializers: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for tensor in graph.initializers { initializers.append(try self.tensor(tensor)) }
        let inputs = try graph.inputs.map { value throws(WeightKitError) in try Optional(self.value(value)) }
        let outputs = try graph.outputs.map { value throws(WeightKitError) in try Optional(self.value(value)) }
        let arena = arena
        return try arena.message(onnx__graph_proto__init) { (message: inout Onnx__GraphProto) throws(WeightKitError) in
            message.name = try arena.string(graph.name)
            message.n_node = nodes.count
            message.node = try arena.array(nodes)
            message.n_initializer = initializers.count
            message.initializer = try arena.array(initializers)
            message.n_input = inputs.count
            message.input = try arena.array(inputs)
            message.n_output = outputs.count
            message.output = try arena.array(outputs)
        }
    }

    private func node(_ node: ONNXNode) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let attributes = try node.attributes.sorted { $0.key < $1.key }.map { entry throws(WeightKitError) in
            try Optional(attribute(entry.key, entry.value))
        }
        let arena = arena
        return try arena.message(onnx__node_proto__init) { (message: inout Onnx__NodeProto) throws(WeightKitError) in
            message.n_input = node.inputs.count
            message.input = try arena.strings(node.inputs)
            message.n_output = node.outputs.count
            message.output = try arena.strings(node.outputs)
            message.name = try arena.string(node.name)
            message.op_type = try arena.string(node.operatorType)
            message.n_attribute = attributes.count
            message.attribute = try arena.array(attributes)
        }
    }

    private func attribute(_ name: String, _ value: ONNXNode.Attribute) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let arena = arena
        return try arena.message(onnx__attribute_proto__init) { (message: inout Onnx__AttributeProto) throws(WeightKitError) in
            message.name = try arena.string(name)
            message.has_type = 1
            switch value {
            case .int(let value):
                (message.type, message.has_i, message.i) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, 1, Int64(value))
            case .float(let value):
                (message.type, message.has_f, message.f) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, 1, value)
            case .ints(let values):
                (message.type, message.n_ints) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, values.count)
                message.ints = try arena.array(values.map(Int64.init))
            case .floats(let values):
                (message.type, message.n_floats) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, values.count)
                message.floats = try arena.array(values)
            case .string(let text):
                let utf8 = try arena.array(Array(text.utf8))
                (message.type, message.has_s) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, 1)
                message.s = ProtobufCBinaryData(len: text.utf8.count, data: utf8)
            case .tensor(let constant):
                (message.type, message.t) = (ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, try self.constant(constant))
            }
        }
    }

    /// An initializer whose bytes are `raw_data`: pointed to in a mapped file, else copied into the arena.
    private mutating func tensor(_ tensor: OutputTensor) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__TensorProto> {
        guard let code = ONNXElementType.code(of: tensor.dtype) else {
            throw WeightKitError(.unsupported, "ONNX has no element type for \(tensor.dtype)", location: .init(tensor: tensor.name))
        }
        let data = try tensor.bytes()
        let expected = try tensor.shape.byteCount(of: tensor.dtype)
        guard data.count == expected else {
            throw WeightKitError(.malformed, "produced \(data.count) bytes where \(expected) were announced", location: .init(tensor: tensor.name))
        }
        let arena = arena
        let external = try externalData.map { file throws(WeightKitError) in try self.external(data, in: file) }
        let bytes = external == nil ? try pointer(to: data) : nil
        return try arena.message(onnx__tensor_proto__init) { (message: inout Onnx__TensorProto) throws(WeightKitError) in
            message.n_dims = tensor.shape.dimensions.count
            message.dims = try arena.array(tensor.shape.dimensions.map(Int64.init))
            (message.has_data_type, message.data_type) = (1, code)
            message.name = try arena.string(tensor.name)
            if let external {
                (message.has_data_location, message.data_location) = (1, ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
                (message.n_external_data, message.external_data) = (external.count, try arena.array(external))
            } else {
                (message.has_raw_data, message.raw_data) = (1, ProtobufCBinaryData(len: data.count, data: bytes))
            }
        }
    }

    /// Appends `data` to the external file at its next aligned offset and returns the entries that say
    /// where (`location`, `offset`, `length`).
    private func external(_ data: TensorData, in file: ONNXExternalDataFile) throws(WeightKitError)
        -> [UnsafeMutablePointer<Onnx__StringStringEntryProto>?]
    {
        let offset = try file.append(data)
        return [try entry("location", file.location), try entry("offset", String(offset)), try entry("length", String(data.count))]
    }

    private mutating func pointer(to data: TensorData) throws(WeightKitError) -> UnsafeMutablePointer<UInt8>? {
        guard data.count > 0 else { return nil }
        if let (file, offset) = data.fileRegion, let base = file.bytes.baseAddress {
            if !mappedFiles.contains(where: { $0 === file }) { mappedFiles.append(file) }
            return UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: UInt8.self))
        }
        let arena = arena
        do {
            return try data.withUnsafeBytes { bytes throws(WeightKitError) in try arena.bytes(bytes) }
        } catch {
            throw .recovered(from: error)
        }
    }

    private func constant(_ constant: ONNXNode.Constant) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__TensorProto> {
        guard let code = ONNXElementType.code(of: constant.dtype) else {
            throw WeightKitError(.unsupported, "ONNX has no element type for \(constant.dtype)")
        }
        let arena = arena
        let bytes = try arena.array(constant.bytes)
        return try arena.message(onnx__tensor_proto__init) { (message: inout Onnx__TensorProto) throws(WeightKitError) in
            message.n_dims = constant.dimensions.count
            message.dims = try arena.array(constant.dimensions.map(Int64.init))
            (message.has_data_type, message.data_type) = (1, code)
            (message.has_raw_data, message.raw_data) = (1, ProtobufCBinaryData(len: constant.bytes.count, data: bytes))
        }
    }

    private func value(_ value: ONNXValueInfo) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        guard let code = ONNXElementType.code(of: value.elementType) else {
            throw WeightKitError(.unsupported, "ONNX has no element type for \(value.elementType) (graph value \(value.name))")
        }
        let arena = arena
        var shape: UnsafeMutablePointer<Onnx__TensorShapeProto>?
        if let dimensions = try value.dimensions?.map({ dimension throws(WeightKitError) in try Optional(self.dimension(dimension)) }) {
            shape = try arena.message(onnx__tensor_shape_proto__init) { (shape: inout Onnx__TensorShapeProto) throws(WeightKitError) in
                shape.n_dim = dimensions.count
                shape.dim = try arena.array(dimensions)
            }
        }
        let tensorType = try arena.message(onnx__type_proto__tensor__init) { (type: inout Onnx__TypeProto__Tensor) throws(WeightKitError) in
            (type.has_elem_type, type.elem_type, type.shape) = (1, code, shape)
        }
        let type = try arena.message(onnx__type_proto__init) { (type: inout Onnx__TypeProto) throws(WeightKitError) in
            type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            type.tensor_type = tensorType
        }
        return try arena.message(onnx__value_info_proto__init) { (message: inout Onnx__ValueInfoProto) throws(WeightKitError) in
            message.name = try arena.string(value.name)
            message.type = type
        }
    }

    private func dimension(_ dimension: ONNXValueInfo.Dimension) throws(WeightKitError)
        -> UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>
    {
        let arena = arena
        return try arena.message(onnx__tensor_shape_proto__dimension__init) {
            (message: inout Onnx__TensorShapeProto__Dimension) throws(WeightKitError) in
            switch dimension {
            case .fixed(let size):
                message.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                message.dim_value = Int64(size)
            case .symbolic(let name):
                message.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                message.dim_param = try arena.string(name)
            case .unknown:
                message.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE__NOT_SET
            }
        }
    }

    private func entry(_ key: String, _ value: String) throws(WeightKitError) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
        let arena = arena
        return try arena.message(onnx__string_string_entry_proto__init) {
            (message: inout Onnx__StringStringEntryProto) throws(WeightKitError) in
            message.key = try arena.string(key)
            message.value = try arena.string(value)
        }
    }
}
