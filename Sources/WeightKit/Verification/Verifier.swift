import Foundation

/// Runs weight files through the reference forward pass and compares their outputs.
public struct Verifier: Sendable {
    /// One output compared against its reference.
    public struct Comparison: Sendable {
        public var output: String
        public var maxAbsoluteError: Double
        /// maxAbsoluteError / max |reference|.
        public var relativeError: Double
        /// 10 log10(sum ref^2 / sum err^2); infinite when the outputs are identical.
        public var snrDecibels: Double
        public var passed: Bool
    }

    /// Tolerances: an output passes when max |a - b| <= atol + rtol * max |reference|. The defaults follow
    /// the field's float32 habits (ONNX rtol 1e-3, Polygraphy 1e-5, coremltools atol 1e-4): a float32
    /// ResNet-50 or VoVNet-39 accumulates roughly 1e-5 to 1e-4 relative error by its last stage.
    public var relativeTolerance = 1e-4
    public var absoluteTolerance = 1e-5

    public init() {}

    /// A file ready to run: canonical weights (mapped on the fly when the file has source names).
    public struct Model {
        public let collection: TensorCollection
        public let network: ReferenceNetwork

        public var channelOrder: ChannelOrder? {
            collection.metadata["weightkit.channel_order"].flatMap(ChannelOrder.init(rawValue:))
        }
    }

    public static func load(_ path: String) throws(WeightKitError) -> Model {
        var collection = try WeightFile.read(path)
        if collection.metadata["weightkit.names"] != "canonical" {
            collection = try CanonicalMapper.standard.map(collection).collection
        }
        do throws(WeightKitError) {
            return Model(collection: collection, network: try ReferenceNetwork(collection))
        } catch {
            throw error.inFile(path)
        }
    }

    /// Runs `a` and `b` on one input (`b` sees it in its own channel order) and compares every output both have.
    public func compare(_ a: Model, _ b: Model, input: FeatureMap) throws(WeightKitError) -> [Comparison] {
        let reference = try a.network.run(input)
        let flipped = a.channelOrder != nil && b.channelOrder != nil && a.channelOrder != b.channelOrder
        let candidate = try b.network.run(flipped ? input.reversingChannels() : input)
        var comparisons: [Comparison] = []
        for (name, value) in reference {
            guard let other = candidate.first(where: { $0.name == name })?.value else { continue }
            comparisons.append(try compare(name, reference: value, candidate: other))
        }
        return comparisons
    }

    public func compare(_ name: String, reference: FeatureMap, candidate: FeatureMap) throws(WeightKitError) -> Comparison {
        guard reference.values.count == candidate.values.count else {
            throw WeightKitError(.verificationFailed,
                                 "\(name): shapes differ (\(reference.channels)x\(reference.height)x\(reference.width) vs \(candidate.channels)x\(candidate.height)x\(candidate.width))")
        }
        var maxError = 0.0, maxReference = 0.0, signal = 0.0, noise = 0.0
        for (r, c) in zip(reference.values, candidate.values) {
            let error = abs(Double(r) - Double(c))
            maxError = max(maxError, error.isNaN ? .infinity : error)
            maxReference = max(maxReference, abs(Double(r)))
            signal += Double(r) * Double(r)
            noise += error * error
        }
        let relative = maxReference > 0 ? maxError / maxReference : maxError
        let snr = noise == 0 ? Double.infinity : 10 * log10(signal / noise)
        return Comparison(output: name, maxAbsoluteError: maxError, relativeError: relative, snrDecibels: snr,
                          passed: maxError <= absoluteTolerance + relativeTolerance * maxReference)
    }

    /// An input image from a `.npy` file of shape (1, C, H, W) or (C, H, W).
    public static func featureMap(fromNpy path: String) throws(WeightKitError) -> FeatureMap {
        let collection = try WeightFile.read(path)
        guard collection.format == .numpyNpy, let tensor = collection.tensors.first else {
            throw WeightKitError(.invalidArgument, "expected a .npy array", file: path)
        }
        var dims = tensor.shape.dimensions
        if dims.count == 4, dims[0] == 1 { dims.removeFirst() }
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
            throw WeightKitError(.invalidArgument, "expected shape (1, C, H, W) or (C, H, W), got \(tensor.shape)", file: path)
        }
        var values: [Float] = []
        values.reserveCapacity(tensor.elementCount)
        guard tensor.forEachScalar({ values.append(Float($0)) }) else {
            throw WeightKitError(.invalidArgument, "expected real numbers", file: path)
        }
        return FeatureMap(channels: dims[0], height: dims[1], width: dims[2], values: values)
    }
}
