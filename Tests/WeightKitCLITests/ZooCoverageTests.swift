import Foundation
import Testing
import WeightKitTestSupport

/// The zoo table as data (`fixtures/zoo/coverage.json`): every reduced-size model the frameworks wrote,
/// and whether WeightKit serves it end to end. A served model must convert with every tensor named,
/// verify against each output the framework saved, keep its function under `--fold-bn` and write back
/// into its family; a model listed as not served must still fail somewhere, so the table never
/// understates what works.
@Suite struct ZooCoverageTests {
    struct Row: Decodable, CustomTestStringConvertible, Sendable {
        var fixture: String
        var checkpoint: String
        var family: String
        var served: Bool
        var missing: String?
        /// What the framework that runs the file says and the file does not (`--norm-eps`), given to every
        /// command.
        var arguments: [String]?

        var testDescription: String { fixture }
    }

    struct Table: Decodable {
        var models: [Row]
    }

    static let rows: [Row] = {
        guard let data = FileManager.default.contents(atPath: CLI.fixture("zoo/coverage.json")),
              let table = try? JSONDecoder().decode(Table.self, from: data)
        else { return [] }
        return table.models
    }()

    /// What each framework's files are written back as.
    static let extensions = ["mxnext": "params", "mxnet-resnet-v2": "params"]

    struct Model {
        let row: Row
        var folder: String { CLI.fixture("zoo/" + row.fixture) }
        var checkpoint: String { folder + "/" + row.checkpoint }

        /// `--input` and `--boxes` from the folder, where it has them.
        var sideFiles: [String] {
            var arguments = (row.arguments ?? []) + ["--input", folder + "/input.npy"]
            if FileManager.default.fileExists(atPath: folder + "/boxes.npy") {
                arguments += ["--boxes", folder + "/boxes.npy"]
            }
            return arguments
        }

        /// How many outputs the framework saved, by its manifest.
        func savedOutputs() throws -> Int {
            let data = try #require(FileManager.default.contents(atPath: folder + "/manifest.json"))
            let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(manifest["outputs"] as? [String: Any]).count
        }
    }

    @Test func theTableListsEveryFixtureFolder() throws {
        let zoo = CLI.fixture("zoo")
        var folders: [String] = []
        for framework in try FileManager.default.contentsOfDirectory(atPath: zoo) {
            let path = zoo + "/" + framework
            guard let models = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for model in models where FileManager.default.fileExists(atPath: path + "/" + model + "/manifest.json") {
                folders.append(framework + "/" + model)
            }
        }
        #expect(Set(Self.rows.map(\.fixture)) == Set(folders))
        #expect(Self.rows.filter { !$0.served }.allSatisfy { $0.missing?.isEmpty == false })
    }

    @Test(arguments: rows.filter(\.served))
    func servedModelRunsEndToEnd(_ row: Row) throws {
        let model = Model(row: row), scratch = try Scratch()
        let given = row.arguments ?? []
        let strict = try CLI.run(["convert", model.checkpoint, "--strict", "--to", scratch.path("canonical.safetensors")] + given)
        #expect(strict.status == 0, "\(strict.stderr)")

        let verify = try CLI.run(["verify", model.checkpoint, "--expect", model.folder, "--json"] + model.sideFiles)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        let outputs = try #require(report["outputs"] as? [[String: Any]])
        #expect(outputs.count == (try model.savedOutputs()), "every output the framework saved is compared")
        #expect(outputs.allSatisfy { $0["verdict"] as? String == "pass" })

        let folded = scratch.path("folded.safetensors")
        let fold = try CLI.run(["convert", model.checkpoint, "--fold-bn", "--to", folded] + given)
        #expect(fold.status == 0, "\(fold.stderr)")
        let foldVerify = try CLI.run(["verify", model.checkpoint, folded] + model.sideFiles)
        #expect(foldVerify.status == 0, "\(foldVerify.stdout)\(foldVerify.stderr)")

        let back = scratch.path("back-0000." + (Self.extensions[row.family] ?? "pth"))
        let write = try CLI.run(["convert", model.checkpoint, "--layout", row.family, "--to", back] + given)
        #expect(write.status == 0, "\(write.stderr)")
        // An MXNet network is built from its symbol, which the user keeps beside the written weights.
        if let symbol = try FileManager.default.contentsOfDirectory(atPath: model.folder).first(where: { $0.hasSuffix("-symbol.json") }) {
            try FileManager.default.copyItem(atPath: model.folder + "/" + symbol, toPath: scratch.path("back-symbol.json"))
        }
        let backVerify = try CLI.run(["verify", model.checkpoint, back] + model.sideFiles)
        #expect(backVerify.status == 0, "\(backVerify.stdout)\(backVerify.stderr)")
    }

    /// The trident branches come from the MXNet symbol beside the weights: without it the same weights are
    /// another network, and `verify` says so instead of comparing the outputs both happen to share.
    @Test func aNetworkWithOtherOutputsFailsVerify() throws {
        let folder = CLI.fixture("zoo/simpledet/tridentnet_r50v2c4_c5_1x"), scratch = try Scratch()
        let plain = scratch.path("plain-0000.params")
        let write = try CLI.run("convert", folder + "/checkpoint-0006.params", "--layout", "mxnext", "--to", plain)
        #expect(write.status == 0, "\(write.stderr)")
        #expect(write.stderr.contains("build res4 with branches of dilation 1, 2, 3"))
        let verify = try CLI.run("verify", folder + "/checkpoint-0006.params", plain, "--input", folder + "/input.npy",
                                 "--boxes", folder + "/boxes.npy")
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("res4.branch0: the candidate does not compute this output (its file lacks this part); not compared\n"))
        #expect(verify.stderr.contains("res4: only the candidate computes this output: the files hold different networks\n"))
    }

    @Test(arguments: rows.filter { !$0.served })
    func unservedModelStillFails(_ row: Row) throws {
        let model = Model(row: row), scratch = try Scratch()
        let strict = try CLI.run("convert", model.checkpoint, "--strict", "--to", scratch.path("canonical.safetensors"))
        let verify = try CLI.run(["verify", model.checkpoint, "--expect", model.folder, "--json"] + model.sideFiles)
        let saved = try model.savedOutputs()
        let compared = (try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
            .flatMap { $0["outputs"] as? [Any] }?.count
        let complete = verify.status == 0 && compared == saved
        #expect(strict.status != 0 || !complete, "\(row.fixture) now works end to end: mark it served in coverage.json")
    }
}
