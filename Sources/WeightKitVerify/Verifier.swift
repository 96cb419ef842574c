import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

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
        /// Why the output failed when the error numbers alone do not say (non-finite values, an unusable
        /// tolerance); nil when it passed or its error is simply too large.
        public var failureReason: String?
    }

    /// Tolerances: an output passes when max |a - b| <= atol + rtol * max |reference|. The defaults follow
    /// the field's float32 habits (ONNX rtol 1e-3, Polygraphy 1e-5, coremltools atol 1e-4): a float32
    /// ResNet-50 or VoVNet-39 accumulates roughly 1e-5 to 1e-4 relative error by its last stage.
    public var relativeTolerance = 1e-4
    public var absoluteTolerance = 1e-5
    /// An output whose largest error exceeds the tolerance still passes when its whole-output signal-to-noise
    /// ratio is at least this (dB) and its largest error stays within `snrRelativeCeiling` of max|reference|:
    /// float32 rounding in a deep network leaves SNR above 100 dB, a 1 % change of one weight tensor
    /// below 60 dB.
    public var minimumSNR = 80.0
    public static let snrRelativeCeiling = 1e-3

    public init() {}

    /// A file ready to run: canonical weights (mapped on the fly when the file has source names).
    public struct Model {
        public let collection: TensorCollection
        public let network: ReferenceNetwork
        /// The file the weights came from, named in every error the forward pass reports.
        public var path: String?

        public init(collection: TensorCollection, network: ReferenceNetwork, path: String? = nil) {
            self.collection = collection
            self.network = network
            self.path = path
        }

        /// Runs the forward pass; an error names the model's file.
        public func run(_ input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [(name: String, value: FeatureMap)] {
            do {
                return try network.run(input, boxes: boxes)
            } catch {
                throw path.map(error.inFile) ?? error
            }
        }

        public var channelOrder: ChannelOrder? {
            collection.semantics.channelOrder
        }
    }

    /// Reads `path`, maps it to canonical names when it has source names, and builds its network with the
    /// float32 weights reserved from `memory`.
    public static func load(
        _ path: String, memory: ForwardMemory = ForwardMemory(), options: WeightFile.ReadOptions = .init()
    ) throws(WeightKitError) -> Model {
        var collection = try WeightFile.read(path, options: options)
        do throws(WeightKitError) {
            if collection.naming != .canonical {
                collection = try CanonicalMapper.standard.map(collection).collection
            }
            return Model(collection: collection, network: try ReferenceNetwork(collection, memory: memory), path: path)
        } catch {
            throw error.inFile(path)
        }
    }

    /// The deterministic input image of `height` × `width`, reserved from `memory` first.
    public static func input(height: Int, width: Int, memory: ForwardMemory) throws(WeightKitError) -> FeatureMap {
        guard height > 0, width > 0 else {
            throw WeightKitError(.invalidArgument, "an input of \(height)x\(width) has no pixels")
        }
        return try memory.tracked(channels: 3, height: height, width: width, for: "the input image") {
            FeatureMap.deterministic(channels: 3, height: height, width: width)
        }
    }

    /// Runs `a` and `b` on one input (`b` sees it in its own channel order) and compares every output both have.
    public func compare(_ a: Model, _ b: Model, input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [Comparison] {
        let reference = try a.run(input, boxes: boxes)
        let flipped = a.channelOrder != nil && b.channelOrder != nil && a.channelOrder != b.channelOrder
        let candidate = try b.run(flipped ? try b.network.weights.memory.tracked(
            channels: input.channels, height: input.height, width: input.width, for: "the input in the other channel order"
        ) { input.reversingChannels() } : input, boxes: boxes)
        var comparisons: [Comparison] = []
        for (name, value) in reference {
            guard let other = candidate.first(where: { $0.name == name })?.value else { continue }
            comparisons.append(try compare(name, reference: value, candidate: other))
        }
        return comparisons
    }

    /// Compares one output. It passes when both hold the same non-finite values (NaN, +inf, -inf) at the
    /// same places and the finite values agree: max|a - b| <= atol + rtol * max|reference| over them, or the
    /// whole output's SNR is at least `minimumSNR` with max|a - b| <= 1e-3 * max|reference| (float32 rounding
    /// on a deep network, not a different function).
    public func compare(_ name: String, reference: FeatureMap, candidate: FeatureMap) throws(WeightKitError) -> Comparison {
        guard reference.values.count == candidate.values.count else {
            throw WeightKitError(.verificationFailed,
                                 "\(name): shapes differ (\(reference.channels)x\(reference.height)x\(reference.width) vs \(candidate.channels)x\(candidate.height)x\(candidate.width))")
        }
        var maxError = 0.0, maxReference = 0.0, signal = 0.0, noise = 0.0
        var mismatches = 0, firstMismatch: (index: Int, reference: Float, candidate: Float)?
        for (index, (r, c)) in zip(reference.values, candidate.values).enumerated() {
            guard r.isFinite, c.isFinite else {
                let same = (r.isNaN && c.isNaN) || r == c
                if !same {
                    mismatches += 1
                    if firstMismatch == nil { firstMismatch = (index, r, c) }
                }
                continue
            }
            let error = abs(Double(r) - Double(c))
            maxError = max(maxError, error)
            maxReference = max(maxReference, abs(Double(r)))
            signal += Double(r) * Double(r)
            noise += error * error
        }
        let relative = maxReference > 0 ? maxError / maxReference : maxError
        let snr = noise == 0 ? Double.infinity : 10 * log10(signal / noise)
        let bound = absoluteTolerance + relativeTolerance * maxReference
        var reason: String?
        if let first = firstMismatch {
            reason = "\(mismatches) values are NaN or infinite in one output but not the other "
                + "(first at index \(first.index): reference \(first.reference), candidate \(first.candidate))"
        } else if !bound.isFinite {
            reason = "the tolerance atol + rtol * max|reference| is not a finite number"
        }
        let withinBound = maxError <= bound
        let rounding = snr >= minimumSNR && relative <= Self.snrRelativeCeiling
        return Comparison(output: name, maxAbsoluteError: maxError, relativeError: relative, snrDecibels: snr,
                          passed: reason == nil && (withinBound || rounding), failureReason: reason)
    }

    /// A per-box output and a framework's saved array, put in the order the file's source framework saves:
    /// where its layout moved class rows when reading (torchvision, Caffe2: background first), the
    /// produced columns move back; where it dropped rows (background box deltas), the saved array's first
    /// columns are left out of the comparison, since the canonical weights no longer hold them.
    public static func inSourceOrder(
        _ output: String, produced: FeatureMap, expected: FeatureMap, layout: String?
    ) -> (produced: FeatureMap, expected: FeatureMap) {
        let predictors = ["box.cls_score": "box_predictor.cls_score", "box.bbox_pred": "box_predictor.bbox_pred",
                          "mask.logits": "mask_head.predictor"]
        guard let predictor = predictors[output], let layout,
              let definition = CanonicalMapper.standard.layouts.first(where: { $0.name == layout }),
              produced.channels > 0, produced.width > 0
        else { return (produced, expected) }
        let rules = CanonicalMapper.standard.rules(of: definition).filter { $0.to?.contains(predictor) == true }
        var produced = produced
        // The saved array as one row per box, whatever rank it was saved with.
        var expected = expected
        if expected.channels != produced.channels, expected.values.count % (produced.channels * produced.width) == 0 {
            expected = FeatureMap(channels: produced.channels, height: expected.values.count / produced.channels / produced.width,
                                  width: produced.width, values: expected.values)
        }
        // A class is one row of a score or delta matrix and `width` rows of a mask.
        let unit = produced.width
        if let moved = rules.compactMap(\.moveFirstRowsToEnd).first {
            produced = perBox(produced) { row in Array(row.suffix(moved * unit) + row.dropLast(moved * unit)) }
        }
        if let dropped = rules.compactMap(\.dropFirstRows).first, expected.height == produced.height + dropped * unit {
            let count = dropped * unit * expected.width
            expected = perBox(expected) { row in Array(row.dropFirst(count)) }
        }
        return (produced, expected)
    }

    /// `map` (one box per channel) with each box's values rewritten; widths stay.
    private static func perBox(_ map: FeatureMap, _ transform: ([Float]) -> [Float]) -> FeatureMap {
        let size = map.height * map.width
        guard size > 0, map.width > 0 else { return map }
        var values: [Float] = []
        var height = map.height
        for box in 0..<map.channels {
            let rewritten = transform(Array(map.values[box * size..<(box + 1) * size]))
            height = rewritten.count / map.width
            values += rewritten
        }
        return FeatureMap(channels: map.channels, height: height, width: map.width, values: values)
    }

    /// Proposals from a `.npy` file of shape (R, 4), `x1, y1, x2, y2` in pixels of a `height` x `width`
    /// input. Every number is checked: finite, ordered, within four input sizes of the image, at most 1,000
    /// boxes (a detector's usual proposal count), so a file cannot make the pooling trap or run unbounded.
    public static func boxes(fromNpy path: String, height: Int, width: Int) throws(WeightKitError) -> [RegionOfInterest] {
        let collection = try WeightFile.read(path)
        guard collection.format == .numpyNpy, let tensor = collection.tensors.first else {
            throw WeightKitError(.invalidArgument, "expected a .npy array of boxes", file: path)
        }
        let dims = tensor.shape.dimensions
        guard dims.count == 2, dims[1] == 4, (1...1_000).contains(dims[0]) else {
            throw WeightKitError(.invalidArgument, "expected boxes of shape (R, 4) with 1 to 1000 rows, got \(tensor.shape)", file: path)
        }
        var values: [Double] = []
        guard tensor.forEachScalar({ values.append($0) }) else {
            throw WeightKitError(.invalidArgument, "expected real numbers", file: path)
        }
        let reach = 4 * Double(max(height, width))
        var boxes: [RegionOfInterest] = []
        for row in 0..<dims[0] {
            let box = RegionOfInterest(x1: values[row * 4], y1: values[row * 4 + 1], x2: values[row * 4 + 2], y2: values[row * 4 + 3])
            let coordinates = [box.x1, box.y1, box.x2, box.y2]
            guard coordinates.allSatisfy({ $0.isFinite && abs($0) <= reach }), box.x2 >= box.x1, box.y2 >= box.y1 else {
                throw WeightKitError(.invalidArgument, "box \(row) (\(coordinates.map { String($0) }.joined(separator: ", "))) is not "
                    + "x1 <= x2, y1 <= y2 within four input sizes of the \(height)x\(width) input", file: path)
            }
            boxes.append(box)
        }
        return boxes
    }

    /// An array from a `.npy` file as a feature map: an image or feature map of shape (1, C, H, W) or
    /// (C, H, W), or a classifier's logits as frameworks save them, (1, classes) or (classes,), which become
    /// C x 1 x 1.
    public static func featureMap(fromNpy path: String, memory: ForwardMemory = ForwardMemory()) throws(WeightKitError)
        -> FeatureMap
    {
        let collection = try WeightFile.read(path)
        guard collection.format == .numpyNpy, let tensor = collection.tensors.first else {
            throw WeightKitError(.invalidArgument, "expected a .npy array", file: path)
        }
        var dims = tensor.shape.dimensions
        if dims.count == 4 || dims.count == 2, dims[0] == 1 { dims.removeFirst() }
        // Per-box maps (R, K, H, W), laid out as the mask and keypoint heads give them.
        if dims.count == 4 { dims = [dims[0], dims[1] &* dims[2], dims[3]] }
        if dims.count == 1 { dims += [1, 1] }
        // Per-box outputs (R, K), laid out as the box heads give them.
        if dims.count == 2 { dims.append(1) }
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
            throw WeightKitError(.invalidArgument, "expected shape (1, C, H, W), (C, H, W), logits (1, C) or per-box (R, K), got \(tensor.shape)",
                                 file: path)
        }
        do throws(WeightKitError) {
            return try memory.tracked(channels: dims[0], height: dims[1], width: dims[2], for: "the array") {
                () throws(WeightKitError) in
                var values: [Float] = []
                values.reserveCapacity(tensor.elementCount)
                guard tensor.forEachScalar({ values.append(Float($0)) }) else {
                    throw WeightKitError(.invalidArgument, "expected real numbers")
                }
                return FeatureMap(channels: dims[0], height: dims[1], width: dims[2], values: values)
            }
        } catch {
            throw error.inFile(path)
        }
    }
}
