import Foundation
import Testing

@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// FBNet's strides and upsampling are not in its weights: they come from the architecture the blocks
/// match. Each maskrcnn-benchmark fixture's manifest records how the framework built every block.
@Suite struct FBNetArchitectureTests {
    static let models = ["e2e_faster_rcnn_fbnet", "e2e_faster_rcnn_fbnet_chamv1a_600", "e2e_mask_rcnn_fbnet",
                         "e2e_mask_rcnn_fbnet_xirb16d_dsmask"]

    static func canonical(_ model: String) throws -> TensorCollection {
        let file = try WeightFile.read(Fixtures.path("zoo/maskrcnn-benchmark/\(model)/model_final.pth"))
        return try CanonicalMapper.standard.mapNetwork(file).mapping.collection
    }

    /// The framework's blocks by their short name (`xif3_0`): stride (negative for upsampling) and residual.
    static func frameworkBlocks(_ model: String) throws -> [String: (stride: Int, residual: Bool)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("zoo/maskrcnn-benchmark/\(model)/manifest.json")))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let semantics = try #require(manifest["semantics"] as? [String: Any])
        let blocks = try #require((semantics["fbnet"] as? [String: Any])?["blocks"] as? [String: Any])
        var found: [String: (stride: Int, residual: Bool)] = [:]
        for case let list as [[String: Any]] in blocks.values {
            for block in list {
                let name = try #require((block["name"] as? String)?.split(separator: ".").last.map(String.init))
                let stride = try #require(block["dw_stride"] as? Int), upsample = block["upsample_before_dw"] as? Int
                found[name] = (upsample.map { -$0 } ?? stride, try #require(block["residual"] as? Bool))
            }
        }
        return found
    }

    @Test(arguments: models)
    func everyBlockRunsAsTheFrameworkBuiltIt(_ model: String) throws {
        let network = try RecognizedNetwork(Self.canonical(model))
        let fbnet = try #require(network.parts.lazy.compactMap { $0 as? FBNetFamily }.first)
        let expected = try Self.frameworkBlocks(model)
        let blocks = fbnet.trunk + fbnet.rpn + fbnet.box + fbnet.mask
        #expect(blocks.count == expected.count)
        for block in blocks {
            let name = try #require(block.prefix.split(separator: ".").last.map(String.init))
            let framework = try #require(expected[name], "\(name) is not one of the framework's blocks")
            #expect(block.stride == framework.stride, "\(block.prefix)")
            #expect(block.residual == framework.residual, "\(block.prefix)")
        }
    }

    /// Blocks that match no architecture (here one block short) are not run with guessed strides: the
    /// network is not recognised, and the names still map.
    @Test func blocksMatchingNoArchitectureAreNotRun() throws {
        let canonical = try Self.canonical("e2e_faster_rcnn_fbnet")
        var short = canonical.replacingTensors()
        for tensor in canonical.tensors where !tensor.name.contains(".xif3_6.") { try short.append(tensor) }
        #expect(try RecognizedNetwork(canonical).hasBackbone)
        #expect(try !RecognizedNetwork(short).hasBackbone)
    }

    /// Expansion tells apart architectures whose stages have the same block counts but other strides
    /// (`default`'s box stage starts with stride 2, `mobilenet_v2`'s does not).
    @Test func expansionsPickTheArchitecture() throws {
        let network = try RecognizedNetwork(Self.canonical("e2e_faster_rcnn_fbnet"))
        let fbnet = try #require(network.parts.lazy.compactMap { $0 as? FBNetFamily }.first)
        #expect(fbnet.architecture.name == "default")
        let mobilenet = try #require(FBNetArchitecture.modelDefinitions.first { $0.name == "mobilenet_v2" })
        #expect(mobilenet.blockCount(stage: 4) == fbnet.architecture.blockCount(stage: 4))
        #expect(mobilenet.stride(stage: 4, block: 0) != fbnet.architecture.stride(stage: 4, block: 0))
    }
}
