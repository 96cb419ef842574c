/// Canonical weights as float32 arrays, fetched by name, with the norm eps the source recorded. Every
/// floating tensor is converted once, when the network is built, not on each forward pass.
struct NetworkWeights {
    let collection: TensorCollection
    let eps: Double
    private let converted: [String: [Float]]

    init(_ collection: TensorCollection) {
        self.collection = collection
        eps = collection.metadata["weightkit.norm_eps"].flatMap(Double.init) ?? 1e-5
        var converted: [String: [Float]] = [:]
        for tensor in collection.tensors where tensor.dtype.isFloatingPoint {
            converted[tensor.name] = Self.float32(tensor)
        }
        self.converted = converted
    }

    private static func float32(_ tensor: Tensor) -> [Float] {
        if tensor.dtype == .float32 {
            return tensor.data.withUnsafeBytes { bytes in
                [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, count in
                    for index in 0..<tensor.elementCount {
                        buffer[index] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                    }
                    count = tensor.elementCount
                }
            }
        }
        var values: [Float] = []
        values.reserveCapacity(tensor.elementCount)
        tensor.forEachScalar { values.append(Float($0)) }
        return values
    }

    func has(_ name: String) -> Bool { collection[name] != nil }

    func shape(_ name: String) throws(WeightKitError) -> [Int] {
        guard let tensor = collection[name] else { throw missing(name) }
        return tensor.shape.dimensions
    }

    func floats(_ name: String) throws(WeightKitError) -> [Float] {
        if let values = converted[name] { return values }
        guard let tensor = collection[name] else { throw missing(name) }
        throw WeightKitError(.unsupported, "\(tensor.dtype.rawValue) weights cannot run", location: .init(tensor: name))
    }

    /// A per-channel vector that must have `count` values (a norm, a bias, a scale).
    func vector(_ name: String, count: Int) throws(WeightKitError) -> [Float] {
        let values = try floats(name)
        guard values.count == count else {
            throw WeightKitError(.malformed, "has \(values.count) values where the network needs \(count)",
                                 location: .init(tensor: name))
        }
        return values
    }

    private func missing(_ name: String) -> WeightKitError {
        WeightKitError(.malformed, "the network needs this tensor but the file lacks it", location: .init(tensor: name))
    }

    /// A convolution (weight `[out, in/groups, kh, kw]`, optional bias), its padding keeping "same" size.
    func convolution(
        _ input: FeatureMap, weight: String, bias: String? = nil, stride: Int = 1, depthwise: Bool = false
    ) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(weight)
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), input.values.count > 0, input.channels % shape[1] == 0,
              (input.channels / shape[1]) > 0, shape[0] % (input.channels / shape[1]) == 0
        else {
            throw WeightKitError(.malformed, "convolution weight \(shape) does not fit \(input.channels) input channels",
                                 location: .init(tensor: weight))
        }
        let groups = input.channels / shape[1]
        let biasValues = try bias.flatMap { (name) throws(WeightKitError) in has(name) ? try vector(name, count: shape[0]) : nil }
        return Operations.conv2d(
            input, weight: try floats(weight), outChannels: shape[0], kernel: (shape[2], shape[3]), bias: biasValues,
            .init(stride: stride, padding: (shape[2] - 1) / 2, dilation: 1, groups: groups))
    }

    /// The norm `prefix.{weight,bias,running_mean,running_var}` if present (a folded file has none).
    func normalize(_ input: inout FeatureMap, _ prefix: String) throws(WeightKitError) {
        guard has(prefix + ".weight") else { return }
        let channels = input.channels
        Operations.batchNorm(
            &input, weight: try vector(prefix + ".weight", count: channels), bias: try vector(prefix + ".bias", count: channels),
            mean: try vector(prefix + ".running_mean", count: channels),
            variance: try vector(prefix + ".running_var", count: channels), eps: eps)
    }
}
