import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

extension Verifier {
    /// A file ready to run: canonical weights (mapped on the fly when the file has source names). Its
    /// networks are built when a pass needs them, one at a time, so their float32 weights are held only
    /// while they run.
    public struct Model {
        /// The weights under canonical names, with their semantics.
        public let collection: TensorCollection
        /// The file the weights came from, named in every error the forward pass reports.
        public var path: String?
        /// What its passes may hold.
        public let memory: ForwardMemory

        /// Creates a model from weights already read and named canonically.
        ///
        /// - Parameters:
        ///   - collection: the weights under canonical names.
        ///   - memory: what its passes may hold; the default plan's 1 GiB.
        ///   - path: the file they came from, for errors.
        public init(collection: TensorCollection, memory: ForwardMemory = ForwardMemory(), path: String? = nil) {
            self.collection = collection
            self.memory = memory
            self.path = path
        }

        /// The network, its weights converted for `precision` and moved by `perturbation` where given.
        ///
        /// - Throws: `WeightKitError` naming the file when the names hold no backbone WeightKit runs, a weight
        ///   is NaN or infinite, or the weights do not fit in the memory plan.
        ///
        /// - Parameters:
        ///   - precision: the precision the pass computes in.
        ///   - perturbation: how far to move every weight, for a noise estimate.
        /// - Returns: the network, ready to run.
        public func network(
            _ precision: ForwardPrecision = .reference, perturbation: WeightPerturbation? = nil
        ) throws(WeightKitError) -> ReferenceNetwork {
            do {
                return try ReferenceNetwork(collection, memory: memory, precision: precision, perturbation: perturbation)
            } catch {
                throw path.map(error.inFile) ?? error
            }
        }

        /// Runs the forward pass; an error names the model's file.
        ///
        /// - Parameters:
        ///   - input: the input image.
        ///   - boxes: proposals for the ROI heads, in input pixels.
        ///   - precision: the precision the pass computes in.
        ///   - perturbation: how far to move every weight, for a noise estimate.
        /// - Returns: every output, named like detectron2's (`res5`, `p3`, `box.cls_score`), in run order.
        /// - Throws: `WeightKitError` naming the file when the network cannot be built or its pass fails.
        public func run(
            _ input: FeatureMap, boxes: [RegionOfInterest] = [], precision: ForwardPrecision = .reference,
            perturbation: WeightPerturbation? = nil
        ) throws(WeightKitError) -> [(name: String, value: FeatureMap)] {
            let network = try network(precision, perturbation: perturbation)
            do {
                return try network.run(input, boxes: boxes)
            } catch {
                throw path.map(error.inFile) ?? error
            }
        }

        /// The model with every norm adding `eps` to its variance, whatever the file records: the eps of the
        /// framework that builds the file's weights into its network.
        ///
        /// - Parameter eps: the eps, a finite number in [0, 1).
        /// - Returns: the model with `eps` recorded in its semantics.
        /// - Throws: `WeightKitError` when `eps` is not one any norm uses.
        public func withNormEps(_ eps: Double) throws(WeightKitError) -> Model {
            var collection = collection
            collection.semantics.normEps = eps
            try collection.semantics.validate()
            return Model(collection: collection, memory: memory, path: path)
        }

        /// The input channel order its weights expect, when the file states one.
        public var channelOrder: ChannelOrder? {
            collection.semantics.channelOrder
        }

        /// The coarsest precision its floating weights are stored in.
        public var storagePrecision: WeightPerturbation.DTypeName {
            let dtypes = Set(collection.tensors.map(\.dtype))
            if dtypes.contains(.bfloat16) { return .bfloat16 }
            if dtypes.contains(.float16) || dtypes.contains(.float8_e4m3fn) || dtypes.contains(.float8_e5m2) { return .float16 }
            if dtypes.contains(.float32) { return .float32 }
            return .float64
        }
    }

    /// Reads `path`, maps it to canonical names when it has source names, and checks that it holds a network
    /// the pass runs; its passes reserve from `memory`.
    ///
    /// - Throws: `WeightKitError` naming the file when it cannot be read or mapped, or holds no network.
    ///
    /// - Parameters:
    ///   - path: the weight file, of any format WeightKit reads.
    ///   - memory: what its passes may hold.
    ///   - options: how the file is read.
    /// - Returns: the model.
    public static func load(
        _ path: String, memory: ForwardMemory = ForwardMemory(), options: WeightFile.ReadOptions = .init()
    ) throws(WeightKitError) -> Model {
        var collection = try WeightFile.read(path, options: options)
        do throws(WeightKitError) {
            if collection.naming != .canonical {
                collection = try CanonicalMapper.standard.mapNetwork(collection).mapping.collection
            }
            let network = try RecognizedNetwork(collection)
            guard network.hasBackbone else {
                throw WeightKitError(
                    .unsupported, "no backbone WeightKit runs (ResNet, VoVNet, FBNet of a known architecture) under canonical names (convert with canonical names first)")
            }
            try network.checkShapes(of: collection)
            return Model(collection: collection, memory: memory, path: path)
        } catch {
            throw error.inFile(path)
        }
    }
}
