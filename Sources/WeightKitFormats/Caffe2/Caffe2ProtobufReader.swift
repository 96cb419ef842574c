import CCaffe2Proto
import Foundation
import Glibc
import WeightKitCore

/// Reads Caffe2 protobufs through libprotobuf-c: init_nets (one fill op per blob), predict_nets (no
/// weights: their external inputs are listed), TensorProtos and single TensorProto files. Protobufs carry
/// no magic number, so the decoders are tried in turn and the first that yields content wins.
package enum Caffe2ProtobufReader: WeightFileReader {
    package static let name = "caffe2"
    package static let formats: [WeightFormat] = [.caffe2Protobuf]
    /// Fill ops and the dtype of the blob each one creates.
    static let fillTypes: [String: DType] = [
        "GivenTensorFill": .float32,
        "GivenTensorDoubleFill": .float64,
        "GivenTensorIntFill": .int32,
        "GivenTensorInt64Fill": .int64,
        "GivenTensorInt16Fill": .int16,
        "GivenTensorBoolFill": .bool,
        "GivenTensorByteStringToUInt8Fill": .uint8,
    ]

    /// Whether the bytes could start a protobuf message: a field tag with a field number and wire type
    /// that these messages use.
    package static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first else { return false }
        let field = first >> 3, wireType = first & 7
        return (1...15).contains(field) && [0, 1, 2, 5].contains(wireType)
    }

    /// The decoded content; the bytes must be one of the Caffe2 messages.
    package static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError)
        -> TensorCollection
    {
        guard let collection = try decode(file, budget: budget) else { throw notCaffe2 }
        return collection
    }

    /// What a file that only looks like a protobuf gets.
    static let notCaffe2 = WeightKitError(
        .unsupported,
        "starts like a protobuf but decodes as none of Caffe2's NetDef, TensorProtos or TensorProto (truncated, or another schema)")

    /// The decoded content, or nil when the bytes are none of the Caffe2 messages. A field whose length
    /// claims more than its message holds is reported rather than read as another message.
    static func decode(_ file: MappedFile, budget: ReadBudget) throws(WeightKitError) -> TensorCollection? {
        let bytes = file.bytes
        var fault: WeightKitError?
        if let net = try ProtobufMessage<Caffe2__NetDef>.netDef(bytes, budget: budget, fault: &fault),
           net.message.n_op > 0 || net.message.n_external_input > 0
        {
            return try collection(from: net.message, path: file.path)
        }
        var listFault: WeightKitError?
        let list = try ProtobufMessage<Caffe2__TensorProtos>.tensorProtos(bytes, budget: budget, fault: &listFault)
        // A fault after two good fields is the file's, not the schema's: a TensorProtos whose tensor lies about
        // a length would otherwise be misread as a lone TensorProto (its dims the tensor's bytes).
        if let listFault { throw listFault }
        if let list, list.message.n_protos > 0 {
            var collection = TensorCollection(format: .caffe2Protobuf, metadata: ["caffe2.message": "TensorProtos"])
            for (index, proto) in ProtobufC.messages(Int(list.message.n_protos), list.message.protos).enumerated() {
                try collection.append(Caffe2TensorDecoder.tensor(proto, fallbackName: String(index)))
            }
            return collection
        }
        if let single = try ProtobufMessage<Caffe2__TensorProto>.tensorProto(bytes, budget: budget, fault: &fault),
           single.message.has_data_type != 0 || single.message.n_dims > 0
        {
            var collection = TensorCollection(format: .caffe2Protobuf, metadata: ["caffe2.message": "TensorProto"])
            try collection.append(Caffe2TensorDecoder.tensor(single.message, fallbackName: "tensor"))
            return collection
        }
        if let fault { throw fault }
        return nil
    }

    private static func collection(from net: Caffe2__NetDef, path: String) throws(WeightKitError) -> TensorCollection {
        var collection = TensorCollection(format: .caffe2Protobuf)
        var opsWithoutWeights: [String: Int] = [:]
        for (index, op) in ProtobufC.messages(Int(net.n_op), net.op).enumerated() {
            let type = ProtobufC.string(op.type) ?? ""
            let outputs = ProtobufC.strings(Int(op.n_output), op.output)
            guard let dtype = fillTypes[type] else {
                switch type {
                case "GivenTensorStringFill":
                    throw WeightKitError(.unsupported, "GivenTensorStringFill holds strings, not weights",
                                         location: .init(entry: "op \(index)", tensor: outputs.first))
                case "Int8GivenTensorFill", "Int8GivenIntTensorFill":
                    throw WeightKitError(.unsupported, "quantized \(type) blobs are not supported",
                                         location: .init(entry: "op \(index)", tensor: outputs.first))
                default:
                    opsWithoutWeights[type.isEmpty ? "(untyped)" : type, default: 0] += 1
                    continue
                }
            }
            guard let name = outputs.first else {
                throw WeightKitError(.malformed, "\(type) has no output blob", location: .init(entry: "op \(index)"))
            }
            do {
                try collection.append(fill(op, type: type, dtype: dtype, name: name))
            } catch {
                throw error.inEntry("op \(index) (\(type))")
            }
        }
        let inputs = ProtobufC.strings(Int(net.n_external_input), net.external_input)
        collection.metadata["caffe2.net_name"] = ProtobufC.string(net.name) ?? ""
        collection.metadata["caffe2.message"] = collection.count > 0 ? "NetDef (init_net)" : "NetDef (predict_net, no weights)"
        if collection.count == 0 {
            collection.metadata["caffe2.external_input"] = inputs.joined(separator: ",")
            collection.metadata["caffe2.external_output"] =
                ProtobufC.strings(Int(net.n_external_output), net.external_output).joined(separator: ",")
        }
        if !opsWithoutWeights.isEmpty {
            collection.metadata["caffe2.ops_without_weights"] = opsWithoutWeights.sorted { $0.key < $1.key }
                .map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        }
        if collection.count > 0, let predict = predictNet(besides: path) {
            collection.metadata["caffe2.predict_net"] = predict
        }
        return collection
    }

    /// One fill op's blob: `shape` gives the dims and `values` the data.
    private static func fill(
        _ op: Caffe2__OperatorDef, type: String, dtype: DType, name: String
    ) throws(WeightKitError) -> Tensor {
        let arguments = ProtobufC.messages(Int(op.n_arg), op.arg)
        func argument(_ key: String) -> Caffe2__Argument? {
            arguments.last { ProtobufC.string($0.name) == key }
        }
        guard let shapeArgument = argument("shape") else {
            throw WeightKitError(.malformed, "fill op has no 'shape' argument", location: .init(tensor: name))
        }
        let shape = try Shape(ProtobufC.array(Int(shapeArgument.n_ints), shapeArgument.ints).map(Int.init))
        guard let values = argument("values") else {
            throw WeightKitError(.malformed, "fill op has no 'values' argument", location: .init(tensor: name))
        }
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let count: Int
        switch dtype {
        case .float32, .float64:
            let floats = ProtobufC.array(Int(values.n_floats), values.floats)
            count = floats.count
            for value in floats {
                if dtype == .float32 { append(value.bitPattern) } else { append(Double(value).bitPattern) }
            }
        case .uint8:
            bytes = values.has_s != 0 ? ProtobufC.bytes(values.s)
                : values.n_strings > 0 ? ProtobufC.bytes(values.strings[0]) : []
            count = bytes.count
        default:
            let ints = ProtobufC.array(Int(values.n_ints), values.ints)
            count = ints.count
            for value in ints {
                switch dtype {
                case .int32:
                    guard let narrow = Int32(exactly: value) else {
                        throw WeightKitError(.malformed, "value \(value) does not fit int32", location: .init(tensor: name))
                    }
                    append(narrow)
                case .int16:
                    guard let narrow = Int16(exactly: value) else {
                        throw WeightKitError(.malformed, "value \(value) does not fit int16", location: .init(tensor: name))
                    }
                    append(narrow)
                case .bool: bytes.append(value != 0 ? 1 : 0)
                default: append(value)
                }
            }
        }
        guard count == shape.elementCount else {
            throw WeightKitError(
                .malformed, "'values' holds \(count) values but 'shape' \(shape) needs \(shape.elementCount)",
                location: .init(tensor: name))
        }
        return try Tensor(name: name, dtype: dtype, shape: shape, data: TensorData(bytes))
    }

    /// `predict_net.pb` beside `init_net.pb` (the same name with "init" replaced by "predict").
    static func predictNet(besides path: String) -> String? {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        guard name.contains("init") else { return nil }
        let candidate = String(path[..<slash]) + name.replacingOccurrences(of: "init", with: "predict")
        return access(candidate, F_OK) == 0 ? candidate : nil
    }
}
