import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// Canonical weights as float32 arrays, fetched by name, with the norm eps the source recorded. Every
/// floating tensor is converted once, when the network is built, not on each forward pass.
package struct NetworkWeights {
    let collection: TensorCollection
    let eps: Double
    /// How each layer rounds its sums.
    let precision: ForwardPrecision
    /// What the pass may hold; the float32 copies of the weights are reserved first.
    let memory: ForwardMemory
    /// The matrix products' library, loaded before any weight is converted; nil when only shapes are
    /// checked.
    private let library: BLAS?
    /// Whether the pass only checks that every tensor's shape fits where the network reads it: layers make
    /// maps of zeros of the right shapes, no weight is converted and nothing is computed.
    let checksShapesOnly: Bool
    /// Where a shape-checking pass records its layers as ONNX nodes; nil when nothing is traced.
    let trace: GraphTrace?
    private let converted: [String: [Float]]
    private let reservation: ForwardMemory.Reservation

    /// Converts the floating weights to float32, refusing any that holds NaN or infinity: a pass through
    /// them proves nothing.
    init(
        _ collection: TensorCollection, memory: ForwardMemory, precision: ForwardPrecision = .reference,
        perturbation: WeightPerturbation? = nil
    ) throws(WeightKitError) {
        self.collection = collection
        self.memory = memory
        self.precision = precision
        checksShapesOnly = false
        trace = nil
        library = try BLAS.load()
        eps = collection.semantics.effectiveNormEps
        var total = 0
        for tensor in collection.tensors where tensor.dtype.isFloatingPoint {
            let (sum, overflow) = total.addingReportingOverflow(tensor.elementCount)
            total = overflow ? Int.max : sum
        }
        reservation = try memory.reserve(total, of: MemoryLayout<Float>.size, for: "the weights as float32")
        var converted: [String: [Float]] = [:]
        for (index, tensor) in collection.tensors.enumerated() where tensor.dtype.isFloatingPoint {
            var values = Self.float32(tensor)
            let nonFinite = values.count { !$0.isFinite }
            guard nonFinite == 0 else {
                throw WeightKitError(.malformed, "holds \(nonFinite) NaN or infinite values; a forward pass through them proves nothing",
                                     location: .init(tensor: tensor.name))
            }
            perturbation?.apply(to: &values, tensor: index)
            converted[tensor.name] = values
        }
        self.converted = converted
    }

    /// Weights that only check shapes: nothing converted, no library loaded; the layers are recorded in
    /// `trace` where one is given.
    init(checkingShapesOf collection: TensorCollection, memory: ForwardMemory, trace: GraphTrace? = nil) throws(WeightKitError) {
        self.collection = collection
        self.memory = memory
        precision = .float32
        checksShapesOnly = true
        self.trace = trace
        library = nil
        eps = collection.semantics.effectiveNormEps
        converted = [:]
        reservation = try memory.reserve(0, of: 1, for: "checking shapes")
    }

    /// The matrix products' library.
    var blas: BLAS {
        get throws(WeightKitError) {
            guard let library else { throw WeightKitError(.unsupported, "a shape check computes nothing") }
            return library
        }
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
        if checksShapesOnly {
            let found = try shape(name).reduce(1, *)
            guard found == count else {
                throw WeightKitError(.malformed, "has \(found) values where the network needs \(count)", location: .init(tensor: name))
            }
            return [Float](repeating: 0, count: count)
        }
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
        WeightKitError(.malformed, Self.missingReason, location: .init(tensor: name))
    }

    /// What a missing tensor's error says; a shape check stops there (a partial file can be renamed).
    static let missingReason = "the network needs this tensor but the file lacks it"

    /// A convolution (weight `[out, in/groups, kh, kw]`, optional bias), its padding keeping "same" size.
    ///
    /// - Throws: `WeightKitError` naming the weight when its shape does not fit the input (channels, groups),
    ///   when the output would be empty (a kernel larger than its padded input), or past the memory plan.
    func convolution(
        _ input: FeatureMap, weight: String, bias: String? = nil, stride: Int = 1, dilation: Int = 1
    ) throws(WeightKitError) -> FeatureMap {
        let shape = try self.shape(weight, rank: 4)
        let groups = try Self.groups(of: shape, input: input, weight: weight)
        let biasValues = try optionalVector(bias, count: shape[0])
        let geometry = Operations.ConvolutionShape(stride: stride, padding: dilation * (shape[2] - 1) / 2, dilation: dilation,
                                                   groups: groups)
        let convolution = Operations.Convolution(kernel: (shape[2], shape[3]), shape: geometry, outChannels: shape[0],
                                                 precision: precision)
        let (height, width) = Operations.outputSize(input, kernel: (shape[2], shape[3]), geometry)
        guard height > 0, width > 0 else {
            throw WeightKitError(.malformed, "its \(shape[2])x\(shape[3]) kernel is larger than the \(input.height)x\(input.width) "
                + "map it reads (padded), so the network's output would be empty", location: .init(tensor: weight))
        }
        try Self.checkBLASDimensions([shape[0], height &* width, input.channels / groups &* shape[2] &* shape[3]], weight)
        if checksShapesOnly {
            var output = try memory.map(channels: shape[0], height: height, width: width, for: "the output of \(weight)")
            output.symbol = try trace?.convolution(trace?.value(input, readBy: weight) ?? "", weight: weight, bias: bias,
                                                   kernel: (shape[2], shape[3]), stride: stride, padding: geometry.padding,
                                                   dilation: dilation, groups: groups)
            return output
        }
        let scratch = try memory.reserve(Operations.scratchBytes(input, convolution), of: 1,
                                         for: "unfolding the input of \(weight)")
        let filters = try floats(weight), blas = try self.blas
        let output = try memory.tracked(channels: shape[0], height: height, width: width, for: "the output of \(weight)") {
            Operations.conv2d(input, weight: filters, bias: biasValues, convolution, blas: blas)
        }
        withExtendedLifetime(scratch) {}
        return output
    }

    /// The groups a convolution weight of `shape` implies for `input`, or an error saying what input it
    /// needs.
    private static func groups(of shape: [Int], input: FeatureMap, weight: String) throws(WeightKitError) -> Int {
        guard shape.allSatisfy({ $0 > 0 }), input.values.count > 0, input.channels % shape[1] == 0,
              (input.channels / shape[1]) > 0, shape[0] % (input.channels / shape[1]) == 0
        else {
            throw WeightKitError(.malformed, "has shape \(shape), which does not take the \(input.channels) channels the network "
                + "gives it (it needs [*, \(input.channels) / groups, *, *])", location: .init(tensor: weight))
        }
        return input.channels / shape[1]
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
        if checksShapesOnly {
            guard trace == nil else { return try convolution(concat(parts), weight: weight, bias: bias) }
            return try memory.map(channels: shape[0], height: first.height, width: first.width, for: "the output of \(weight)")
        }
        let blas = try self.blas
        let product = BandedProduct<Double>(blas: blas, m: shape[0], units: channels, rowsPerUnit: 1, outH: first.height,
                                            outW: first.width)
        let scratchElements = precision == .reference
            ? (product.unfoldElements &+ shape[0] &* product.plan.rowsPerBand &* first.width &* product.plan.buffers &+ shape[0] &* channels) : 0
        let scratch = try memory.reserve(scratchElements, of: 8, for: "gathering the inputs of \(weight)")
        let filters = try floats(weight)
        let output = try memory.tracked(channels: shape[0], height: first.height, width: first.width, for: "the output of \(weight)") {
            Operations.conv1x1(concatenating: parts, weight: filters, outChannels: shape[0], bias: biasValues, precision: precision,
                               blas: blas)
        }
        withExtendedLifetime(scratch) {}
        return output
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
        var output = try memory.tracked(channels: input.channels, height: height, width: width, for: "max pooling") {
            Operations.maxPool(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        }
        if let trace {
            output.symbol = trace.maxPool(try trace.value(input, readBy: "max pooling"), kernel: kernel, stride: stride, padding: padding,
                                          ceilMode: ceilMode)
        }
        return output
    }

    /// Channel concatenation with its output reserved first.
    func concat(_ maps: [FeatureMap]) throws(WeightKitError) -> FeatureMap {
        let channels = maps.reduce(0) { $0 &+ max($1.channels, 0) }
        var output = try memory.tracked(channels: channels, height: maps.first?.height ?? 0, width: maps.first?.width ?? 0,
                                        for: "concatenating \(maps.count) maps") { () throws(WeightKitError) in
            try Operations.concat(maps)
        }
        if let trace {
            output.symbol = trace.concat(try maps.map { map throws(WeightKitError) in try trace.value(map, readBy: "a concatenation") })
        }
        return output
    }

    /// Nearest upsampling to the height and width of `reference`, its output reserved first.
    func upsampleNearest(_ input: FeatureMap, toSizeOf reference: FeatureMap) throws(WeightKitError) -> FeatureMap {
        var output = try upsampleNearest(input, height: reference.height, width: reference.width)
        if let trace {
            output.symbol = try trace.upsampleNearest(try trace.value(input, readBy: "upsampling"),
                                                      toSizeOf: try trace.value(reference, readBy: "upsampling"))
        }
        return output
    }

    /// Nearest upsampling by an integer factor, its output reserved first.
    func upsampleNearest(_ input: FeatureMap, factor: Int) throws(WeightKitError) -> FeatureMap {
        var output = try upsampleNearest(input, height: input.height * factor, width: input.width * factor)
        if let trace { output.symbol = try trace.upsampleNearest(try trace.value(input, readBy: "upsampling"), factor: factor) }
        return output
    }

    private func upsampleNearest(_ input: FeatureMap, height: Int, width: Int) throws(WeightKitError) -> FeatureMap {
        guard input.values.count > 0 || height * width == 0 else {
            throw WeightKitError(.malformed, "cannot upsample an empty \(input.channels)x\(input.height)x\(input.width) map")
        }
        return try memory.tracked(channels: input.channels, height: height, width: width, for: "upsampling") {
            Operations.upsampleNearest(input, height: height, width: width)
        }
    }

    /// A copy of `map` that may be changed in place, reserved first.
    func copy(_ map: FeatureMap) throws(WeightKitError) -> FeatureMap {
        var copy = try memory.tracked(channels: map.channels, height: map.height, width: map.width, for: "a copy of a map") {
            FeatureMap(channels: map.channels, height: map.height, width: map.width, values: Array(map.values))
        }
        copy.symbol = map.symbol
        return copy
    }

    /// The norm `prefix.{weight,bias,running_mean,running_var}` if present (a folded file has none), then
    /// ReLU when `relu` is set (in the norm's pass where there is one).
    func normalize(_ input: inout FeatureMap, _ prefix: String, relu: Bool = false) throws(WeightKitError) {
        guard has(prefix + ".weight") else {
            if relu { try self.relu(&input) }
            return
        }
        let channels = input.channels
        if checksShapesOnly {
            for part in ["weight", "bias", "running_mean", "running_var"] { _ = try vector(prefix + "." + part, count: channels) }
            if let trace {
                let normalized = try trace.batchNorm(try trace.value(input, readBy: prefix), prefix, eps: eps)
                input.symbol = relu ? trace.relu(normalized) : normalized
            }
            return
        }
        Operations.batchNorm(
            &input, weight: try vector(prefix + ".weight", count: channels), bias: try vector(prefix + ".bias", count: channels),
            mean: try vector(prefix + ".running_mean", count: channels),
            variance: try vector(prefix + ".running_var", count: channels), eps: eps, relu: relu, precision: precision)
    }
}
