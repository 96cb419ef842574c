import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

extension Verifier {
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
                collection = try CanonicalMapper.standard.mapNetwork(collection).mapping.collection
            }
            return Model(collection: collection, network: try ReferenceNetwork(collection, memory: memory), path: path)
        } catch {
            throw error.inFile(path)
        }
    }
}
