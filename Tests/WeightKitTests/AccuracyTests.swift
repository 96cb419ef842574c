import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// The reference pass and the verdict against PyTorch's own float32 and float64 runs of deep networks
/// (fixtures/accuracy/make_accuracy.py): narrow VoVNet-57, eSE-VoVNet-99 and -19-dw, ResNet-101 and ResNeXt-101
/// with their real block counts, calibrated and default statistics, at 32x32 and 64x96.
@Suite struct AccuracyTests {
    static let folders: [String] = {
        let root = Fixtures.path("accuracy/small")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return entries.filter { !$0.contains(".") }.sorted()
    }()

    struct Case {
        let model: Verifier.Model
        let input: FeatureMap
        let outputs: [String]
        let folder: String

        init(_ folder: String) throws {
            let path = Fixtures.path("accuracy/small/\(folder)")
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/manifest.json")))
            let checkpoint = try #require((manifest as? [String: Any])?["checkpoint"] as? String)
            model = try Verifier.load(path + "/" + checkpoint)
            input = try Verifier.featureMap(fromNpy: path + "/input.npy")
            outputs = try #require(((manifest as? [String: Any])?["outputs"] as? [String: Any])?.keys.sorted())
            self.folder = path
        }

        func saved(_ output: String, _ suffix: String = "") throws -> FeatureMap {
            try Verifier.featureMap(fromNpy: folder + "/\(output)\(suffix).npy")
        }

        /// Every output of `model` (or these weights changed) compared with PyTorch's float32 run.
        func comparisons(_ collection: TensorCollection? = nil) throws -> [Verifier.Comparison] {
            let model = collection.map { Verifier.Model(collection: $0) } ?? self.model
            let reference = try model.run(input), float32 = try model.run(input, precision: .float32)
            return try outputs.map { (output) throws -> Verifier.Comparison in
                let produced = try #require(reference.first { $0.name == output }?.value)
                let noise = try #require(float32.first { $0.name == output }?.value)
                return try Verifier().compare(output, reference: produced, candidate: try saved(output), noise: noise)
            }
        }
    }

    static func error(_ a: FeatureMap, _ b: FeatureMap) -> (rms: Double, max: Double) {
        let difference = OutputDifference(reference: b.values, candidate: a.values)
        return (difference.rmsError, difference.maxError)
    }

    /// Against PyTorch's float64 run, the reference pass is at least as accurate as PyTorch's float32 on every
    /// output, in RMS and in the largest error.
    @Test(arguments: folders)
    func referenceIsAtLeastAsAccurateAsPyTorch(folder: String) throws {
        let test = try Case(folder)
        let produced = try test.model.run(test.input)
        for output in test.outputs {
            let exact = try test.saved(output, ".f64"), pytorch = try test.saved(output)
            let ours = try #require(produced.first { $0.name == output }?.value)
            let mine = Self.error(ours, exact), theirs = Self.error(pytorch, exact)
            #expect(mine.rms <= theirs.rms && mine.max <= theirs.max, "\(folder) \(output): ours \(mine), PyTorch's \(theirs)")
        }
    }

    /// PyTorch's correct float32 outputs pass; a 1 % change of one convolution, of the running variance of
    /// the norm after it, or another norm eps fails.
    @Test(arguments: folders)
    func correctOutputsPassAndChangesFail(folder: String) throws {
        let test = try Case(folder)
        let correct = try test.comparisons()
        #expect(Verifier.passes(correct), "\(folder): \(correct.filter { !$0.passed })")
        let collection = test.model.collection
        // A norm halfway through the network, and the convolution before it (not an eSE gate, which a
        // default-initialised network saturates).
        let norms = collection.names.filter { $0.hasSuffix(".running_var") && !$0.contains("ese") }
        let norm = String(try #require(norms.dropFirst(norms.count / 2).first).dropLast(".running_var".count))
        let convolution = try #require(CanonicalName.convolution(forNorm: norm)?.weight)
        var eps = collection
        eps.semantics.normEps = 1e-3
        for (change, changed) in [("conv", try scaled(collection, convolution)), ("running_var", try scaled(collection, norm + ".running_var")),
                                  ("eps", eps)] {
            let comparisons = try test.comparisons(changed)
            #expect(!Verifier.passes(comparisons), "\(folder): a 1 % change of the \(change) passes")
        }
    }

    /// Two files: folding every norm and casting to float16 change only storage rounding and pass; a 1 %
    /// change of one convolution fails. No float32 slack: both run in the reference precision.
    @Test(arguments: folders.filter { $0.hasSuffix("32x32") })
    func twoFilesDifferOnlyByRounding(folder: String) throws {
        let test = try Case(folder)
        let folded = try BatchNormFolding.fold(test.model.collection).collection
        var half = test.model.collection.replacingTensors()
        for tensor in test.model.collection.tensors {
            try half.append(Tensor(name: tensor.name, dtype: .float16, shape: tensor.shape, data: try DTypeCast.cast(tensor, to: .float16)))
        }
        for (change, other) in [("folded", folded), ("float16", half)] {
            let comparisons = try Verifier().compare(test.model, Verifier.Model(collection: other), input: test.input)
            #expect(Verifier.passes(comparisons), "\(folder) \(change): \(comparisons.filter { !$0.passed })")
        }
        let convolution = try #require(test.model.collection.names.filter { $0.hasSuffix("conv2.weight") || $0.hasSuffix("_1/conv.weight") }.last)
        let changed = Verifier.Model(collection: try scaled(test.model.collection, convolution))
        #expect(!Verifier.passes(try Verifier().compare(test.model, changed, input: test.input)), "\(folder): \(convolution)")
    }

    private func scaled(_ collection: TensorCollection, _ name: String) throws -> TensorCollection {
        var changed = collection
        let tensor = try #require(changed[name])
        var values: [Double] = []
        _ = tensor.forEachScalar { values.append($0 * 1.01) }
        try changed.replace(Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: DTypeCast.encode(values, as: tensor.dtype)))
        return changed
    }
}
