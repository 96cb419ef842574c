import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct MXNetReaderTests {
    static let fixtures = [
        "nd-dtypes", "nd-list", "resnetlike-0000", "gluon-net", "gluon-export-0000", "npx-arrays", "sparse",
    ]

    @Test(arguments: fixtures)
    func readsExactlyWhatMXNetLoads(file: String) throws {
        let collection = try WeightFile.read(Fixtures.path("mxnet/\(file).params"))
        #expect(collection.format == .mxnetParams)
        Fixtures.expectMatches(collection, try Fixtures.manifest("mxnet/\(file).manifest.json"))
    }

    /// A symbol's eps and fix_gamma are parsed as MXNet parses them: an eps that is not a positive finite
    /// number, or a flag dmlc does not read as a boolean, is an error naming the node, not a default.
    @Test(arguments: [("eps", "-1"), ("eps", "nan"), ("eps", "1e-5x"), ("eps", "0"), ("fix_gamma", "Flase")])
    func symbolNormAttributesAreParsedAsMXNetDoes(_ attribute: String, _ value: String) throws {
        func symbol(_ attributes: [String: String]) throws -> MXNetSymbol {
            let node: [String: Any] = ["op": "BatchNorm", "name": "bn0", "attrs": attributes]
            let json = try JSONSerialization.data(withJSONObject: ["nodes": [node]])
            return try MXNetSymbol(json: json, budget: ReadBudget(.init(bytes: 1 << 20, values: 1000, work: 1 << 20)))
        }
        let good = try symbol(["eps": "2e-05", "fix_gamma": "1"]).norms
        #expect(good.first?.eps == 2e-5 && good.first?.fixGamma == true)
        #expect { try symbol([attribute: value]) } throws: { error in
            "\(error)".contains("BatchNorm 'bn0' has \(attribute) '\(value)'")
        }
    }

    @Test func moduleCheckpointKeepsPrefixesAndNotesItsSymbol() throws {
        let collection = try WeightFile.read(Fixtures.path("mxnet/resnetlike-0000.params"))
        #expect(collection["arg:conv0_weight"] != nil)
        #expect(collection["aux:bn0_moving_var"] != nil)
        #expect(collection.sourceFacts.symbolFile?.hasSuffix("mxnet/resnetlike-symbol.json") == true)
        #expect(collection.tensors.allSatisfy { $0.data.isMapped })
    }

    @Test func numpySemanticsKeepScalarsAndEmptyArrays() throws {
        let collection = try WeightFile.read(Fixtures.path("mxnet/npx-arrays.params"))
        #expect(collection["scalar"]?.shape.dimensions == [])
        #expect(collection["empty"]?.shape.dimensions == [0, 3])
    }

    @Test func everyTruncationFailsCleanly() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("mxnet/sparse.params"))))
        let scratch = try ScratchDirectory()
        for length in 0..<bytes.count {
            let path = try scratch.write(Array(bytes[..<length]), to: "cut.params")
            #expect(throws: WeightKitError.self, "cut at \(length)") { try WeightFile.read(path) }
        }
    }
}

@Suite struct NumPyFileTests {
    static let arrays = [
        "f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "c8", "c16", "b1", "big_f8", "fortran",
        "zero_d", "empty", "version2", "version3",
    ]

    @Test(arguments: arrays)
    func npyReadsAsNumPyLoads(name: String) throws {
        let collection = try WeightFile.read(Fixtures.path("numpy/\(name).npy"))
        #expect(collection.format == .numpyNpy)
        Fixtures.expectMatches(collection, try Fixtures.manifest("numpy/\(name).manifest.json"))
    }

    @Test(arguments: ["arrays", "arrays-compressed", "weights"])
    func npzReadsAsNumPyLoads(name: String) throws {
        let collection = try WeightFile.read(Fixtures.path("numpy/\(name).npz"))
        #expect(collection.format == .numpyNpz)
        Fixtures.expectMatches(collection, try Fixtures.manifest("numpy/\(name).manifest.json"))
    }

    @Test func headerParserRefusesGarbage() {
        for header in ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ", "[1, 2]",
                       "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}",
                       "{'descr': '|O', 'fortran_order': False, 'shape': (1,)}"] {
            var bytes = NpyHeader.magic + [1, 0]
            bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
            #expect(throws: WeightKitError.self, "\(header)") {
                try bytes.withUnsafeBytes { try NpyHeader($0) }
            }
        }
    }

    /// A release zip is read through: the newest checkpoint, with the symbol beside it giving the norms' eps.
    @Test func releaseArchivesAreReadThrough() throws {
        let release = try WeightFile.read(Fixtures.path("mxnet/release-simpledet.zip"))
        #expect(release.format == .mxnetParams)
        #expect(release.sourceFacts.archiveMember == "faster_r50v1_fpn_1x/checkpoint-0006.params")
        #expect(release.sourceFacts.normEps == 2e-5)
        #expect(release.sourceFacts.fixGammaNorms == ["bn_data"])
        Fixtures.expectMatches(release, try Fixtures.manifest("mxnet/resnetlike-0000.manifest.json"))
        let mapped = try CanonicalMapper.standard.map(release).collection
        #expect(mapped.semantics.normEps == 2e-5)

        let two = Fixtures.path("mxnet/release-two-models.zip")
        do {
            _ = try WeightFile.read(two)
            Issue.record("an archive of two models was read without being told which")
        } catch {
            #expect(error.description.contains("models/backbone-0000.params, models/mean.npy"), "\(error)")
        }
        let npy = try WeightFile.read(two, options: .init(member: "mean.npy"))
        #expect(npy.format == .numpyNpy && npy.sourceFacts.archiveMember == "models/mean.npy")
        #expect(throws: WeightKitError.self) { try WeightFile.read(two, options: .init(member: "absent.params")) }
    }
}
