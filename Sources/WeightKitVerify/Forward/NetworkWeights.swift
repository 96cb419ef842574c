import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Canonical weights as float32 arrays, fetched by name, with the norm eps the source recorded. Every
/// floating tensor is converted once, when the network is built, not on each forward pass.
package struct NetworkWeights {
    let collection: TensorCollection
    let eps: Double
    /// What the pass may hold; the float32 copies of the weights are reserved first.
    let memory: ForwardMemory
    /// The matrix products' library, loaded before any weight is converted.
    let blas: BLAS
    private let converted: [String: [Float]]
    private let reservation: ForwardMemory.Reservation

    init(_ collection: TensorCollection, memory: ForwardMemory) throws(WeightKitError) {
        self.collection = collection
        self.memory = memory
        blas = try BLAS.load()
        eps = collection.semantics.effectiveNormEps
        var total = 0
        for tensor in collection.tensors where tensor.dtype.isFloatingPoint {
            let (sum, overflow) = total.addingReportingOverflow(tensor.elementCount)
            total = overflow ? Int.max : sum
        }
        reservation = try memory.reserve(total, of: MemoryLayout<Float>.size, for: "the weights as float32")
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

    /// The shape of `name`, which must have `rank` dimensions.
    func shape(_ name: String, rank: Int) throws(WeightKitError) -> [Int] {
        try collection.requireRank(name, rank)
        return try shape(name)
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

    /// The vector `name` (`count` values) where the file has it: a bias a layer may go without.
    func optionalVector(_ name: String?, count: Int) throws(WeightKitError) -> [Float]? {
        guard let name, has(name) else { return nil }
        return try vector(name, count: count)
    }

    private func missing(_ name: String) -> WeightKitError {
        WeightKitError(.malformed, "the network needs this tensor but the file lacks it", location: .init(tensor: name))
    }

    /// A convolution (weight `[out, in/groups, kh, kw]`, optional bias), its padding keeping "same" size.
    func convolution(
        _ input: FeatureMap, weight: String, bias: String? = nil, stride: Int = 1, depthwise: Bool = false
    ) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(weight, rank: 4)
        guard shape.allSatisfy({ $0 > 0 }), input.values.count > 0, input.channels % shape[1] == 0,
              (input.channels / shape[1]) > 0, shape[0] % (input.channels / shape[1]) == 0
        else {
            throw WeightKitError(.malformed, "convolution weight \(shape) does not fit \(input.channels) input channels",
                                 location: .init(tensor: weight))
        }
        let groups = input.channels / shape[1]
        let biasValues = try optionalVector(bias, count: shape[0])
        let geometry = Operations.ConvolutionShape(stride: stride, padding: (shape[2] - 1) / 2, dilation: 1, groups: groups)
        let (height, width) = Operations.outputSize(input, kernel: (shape[2], shape[3]), geometry)
        try Self.checkBLASDimensions([shape[0], height &* width, input.channels / groups &* shape[2] &* shape[3]], weight)
        let scratch = try memory.reserve(
            Operations.columnBufferCount(input, outChannels: shape[0], kernel: (shape[2], shape[3]), geometry),
            of: MemoryLayout<Float>.size, for: "unfolding the input of \(weight)")
        let filters = try floats(weight)
        let output = try memory.tracked(channels: shape[0], height: height, width: width, for: "the output of \(weight)") {
            Operations.conv2d(
                input, weight: filters, outChannels: shape[0], kernel: (shape[2], shape[3]), bias: biasValues, geometry, blas: blas)
        }
        withExtendedLifetime(scratch) {}
        return output
    }

    /// A convolution of the channel concatenation of `parts`: a 1x1 weight multiplies the parts where they
    /// are (the concatenation is never built), any other is given the concatenation.
    func convolution(concatenating parts: [FeatureMap], weight: String, bias: String? = nil) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(weight, rank: 4)
        let channels = parts.reduce(0) { $0 &+ max($1.channels, 0) }
        guard shape[2] == 1, shape[3] == 1, shape[1] == channels, shape[0] > 0, let first = parts.first,
              parts.allSatisfy({ $0.height == first.height && $0.width == first.width && $0.values.count > 0 })
        else {
            return try convolution(concat(parts), weight: weight, bias: bias)
        }
        let biasValues = try optionalVector(bias, count: shape[0])
        try Self.checkBLASDimensions([shape[0], first.height &* first.width, channels], weight)
        let filters = try floats(weight)
        return try memory.tracked(channels: shape[0], height: first.height, width: first.width, for: "the output of \(weight)") {
            Operations.conv1x1(concatenating: parts, weight: filters, outChannels: shape[0], bias: biasValues, blas: blas)
        }
    }

    /// OpenBLAS takes 32-bit dimensions: a product that does not fit is refused rather than truncated.
    static func checkBLASDimensions(_ dimensions: [Int], _ name: String) throws(WeightKitError) {
        guard dimensions.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
            throw WeightKitError(.limitExceeded, "a matrix of \(dimensions) is larger than the 32-bit sizes BLAS takes",
                                 location: .init(tensor: name))
        }
    }

    /// Max pooling with its output reserved first.
    func maxPool(_ input: FeatureMap, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) throws(WeightKitError) -> FeatureMap {
        let (height, width) = Operations.poolSize(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        return try memory.tracked(channels: input.channels, height: height, width: width, for: "max pooling") {
            Operations.maxPool(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        }
    }

    /// Channel concatenation with its output reserved first.
    func concat(_ maps: [FeatureMap]) throws(WeightKitError) -> FeatureMap {
        let channels = maps.reduce(0) { $0 &+ max($1.channels, 0) }
        return try memory.tracked(channels: channels, height: maps.first?.height ?? 0, width: maps.first?.width ?? 0,
                                  for: "concatenating \(maps.count) maps") { () throws(WeightKitError) in
            try Operations.concat(maps)
        }
    }

    /// Nearest upsampling with its output reserved first.
    func upsampleNearest(_ input: FeatureMap, height: Int, width: Int) throws(WeightKitError) -> FeatureMap {
        guard input.values.count > 0 || height * width == 0 else {
            throw WeightKitError(.malformed, "cannot upsample an empty \(input.channels)x\(input.height)x\(input.width) map")
        }
        return try memory.tracked(channels: input.channels, height: height, width: width, for: "upsampling") {
            Operations.upsampleNearest(input, height: height, width: width)
        }
    }

    /// A copy of `map` that may be changed in place, reserved first.
    func copy(_ map: FeatureMap) throws(WeightKitError) -> FeatureMap {
        try memory.tracked(channels: map.channels, height: map.height, width: map.width, for: "a copy of a map") {
            FeatureMap(channels: map.channels, height: map.height, width: map.width, values: Array(map.values))
        }
    }

    /// The norm `prefix.{weight,bias,running_mean,running_var}` if present (a folded file has none), then
    /// ReLU when `relu` is set (in the norm's pass where there is one).
    func normalize(_ input: inout FeatureMap, _ prefix: String, relu: Bool = false) throws(WeightKitError) {
        guard has(prefix + ".weight") else {
            if relu { Operations.relu(&input) }
            return
        }
        let channels = input.channels
        Operations.batchNorm(
            &input, weight: try vector(prefix + ".weight", count: channels), bias: try vector(prefix + ".bias", count: channels),
            mean: try vector(prefix + ".running_mean", count: channels),
            variance: try vector(prefix + ".running_var", count: channels), eps: eps, relu: relu)
    }
}
