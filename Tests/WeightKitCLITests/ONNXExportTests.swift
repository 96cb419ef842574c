import Crypto
import Foundation
import Testing
import WeightKitTestSupport

/// `weightkit export` held to `fixtures/onnx/exports.json`, which `fixtures/onnx/prove_exports.py` records
/// by running every export in onnxruntime: each fixture the frameworks wrote exports to the same bytes
/// again, and what the record says of those bytes (checker, onnxruntime against the framework and against
/// `verify` at two input sizes) is all passes; a refusal stays one error line with nothing written.
@Suite struct ONNXExportTests {
    struct Record: Decodable, Sendable, CustomTestStringConvertible {
        struct Verdict: Decodable, Sendable {
            var verdict: String
            var framework_verdict: String?

            /// A pass, or no signal where the framework's own array has none either (a constant output).
            var agrees: Bool { verdict == "pass" || (verdict == "no signal" && framework_verdict == "no signal") }
        }
        struct Agreement: Decodable, Sendable {
            var within_floor: Bool
            var rel_rms: Double
        }

        var name = ""
        var source: String
        var refused: String?
        /// The options the export was proven with (`--without-roi-heads` where only the ROI heads are refused).
        var flags: [String]
        var sha256: String?
        var checker: String?
        var framework: [String: Agreement?]?
        var weightkit: [String: Verdict]?
        var weightkit_larger: [String: Verdict]?
        /// The same export with `--external-data`, where the record has one.
        var external_data: ExternalData?
        /// The same export with `--preprocess`, fed the pixels that normalise to the fixture's input.
        var preprocess: Preprocess?

        struct Preprocess: Decodable, Sendable {
            var outputs: Int
            var worst_rel_rms_vs_normalised_input: Double
        }

        struct ExternalData: Decodable, Sendable {
            var files: [String]
            var checker: String
            var aligned_4096: Bool
            var weightkit: [String: Verdict]
        }

        var testDescription: String { name }

        private enum CodingKeys: String, CodingKey {
            case source, refused, flags, sha256, checker, framework, weightkit, weightkit_larger, external_data, preprocess
        }
    }

    struct Table: Decodable {
        var models: [String: Record]
    }

    static let records: [Record] = {
        guard let data = FileManager.default.contents(atPath: CLI.fixture("onnx/exports.json")),
              let table = try? JSONDecoder().decode(Table.self, from: data)
        else { return [] }
        return table.models.map { name, record in
            var named = record
            named.name = name
            return named
        }.sorted { $0.name < $1.name }
    }()

    /// The repository root: records name their sources relative to it, as the messages do.
    static let root = CLI.fixtures.deletingLastPathComponent().path

    @Test func theRecordCoversEveryFamily() {
        #expect(Self.records.count >= 60)
        #expect(Self.records.filter { $0.refused == nil }.count >= 45)
    }

    @Test(arguments: records)
    func exportsTheRecordedBytes(_ record: Record) throws {
        let scratch = try ScratchDirectory()
        let output = scratch.path("model.onnx")
        if let refused = record.refused {
            let result = try CLI.run(["export", record.source, "--to", output], in: Self.root)
            #expect(result.status == 1)
            #expect(result.stderr.trimmingCharacters(in: .newlines) == refused)
            #expect(!FileManager.default.fileExists(atPath: output))
            if record.flags.isEmpty { return }
        }
        let result = try CLI.run(["export", record.source, "--to", output] + record.flags, in: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: output))
        #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == record.sha256)
        #expect(record.checker == "ok")
        for (output, verdict) in (record.weightkit ?? [:]).merging(record.weightkit_larger ?? [:], uniquingKeysWith: { $1 }) {
            #expect(verdict.agrees, "\(output): \(verdict.verdict)")
        }
        #expect(record.weightkit?.isEmpty == false)
        for (output, agreement) in record.framework ?? [:] {
            if let agreement { #expect(agreement.within_floor, "\(output): \(agreement.rel_rms)") }
        }
        if let external = record.external_data {
            #expect(external.files == ["model.onnx", "model.onnx.data"] && external.checker == "ok" && external.aligned_4096)
            #expect(external.weightkit.values.allSatisfy(\.agrees) && !external.weightkit.isEmpty)
        }
    }

    @Test func theRecordProvesExternalData() {
        #expect(Self.records.filter { $0.external_data != nil }.count >= 2)
    }

    /// RGB and BGR, 0-1 and 0-255 sources: raw pixels through the graph's own normalisation give what the
    /// normalised input gives.
    @Test func theRecordProvesPreprocessing() {
        let proven = Self.records.compactMap(\.preprocess)
        #expect(proven.count >= 4)
        for record in proven { #expect(record.outputs > 0 && record.worst_rel_rms_vs_normalised_input < 1e-4) }
    }

    @Test func preprocessingIsRefusedWhereTheSourceDoesNotSayHowItNormalises() throws {
        let scratch = try ScratchDirectory()
        let source = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl")
        let result = try CLI.run("export", source, "--to", scratch.path("model.onnx"), "--preprocess")
        #expect(result.status == 1)
        #expect(result.stderr.contains("no pixel std"), "\(result.stderr)")
        #expect(scratch.contents.isEmpty)
    }

    @Test func aFileWithoutANetworkIsOneErrorAndNoOutput() throws {
        let scratch = try ScratchDirectory()
        let output = scratch.path("model.onnx")
        let result = try CLI.run("export", CLI.fixture("safetensors/python-written.safetensors"), "--to", output)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(scratch.contents.isEmpty)
    }

    @Test(arguments: [["--opset", "12"], ["--opset", "22"], ["--size", "0"], ["--size", "12xq"]])
    func settingsOutsideWhatIsWrittenAreRefused(_ settings: [String]) throws {
        let scratch = try ScratchDirectory()
        let source = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl")
        let result = try CLI.run(["export", source, "--to", scratch.path("model.onnx")] + settings)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "))
        #expect(scratch.contents.isEmpty)
    }

    @Test func withoutROIHeadsTheGraphTakesNoBoxes() throws {
        let scratch = try ScratchDirectory()
        let source = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl")
        let full = try CLI.run("export", source, "--to", scratch.path("full.onnx"))
        let partial = try CLI.run("export", source, "--to", scratch.path("partial.onnx"), "--without-roi-heads")
        #expect(full.status == 0 && partial.status == 0)
        #expect(full.stdout.contains("mask.logits"))
        #expect(!partial.stdout.contains("box.") && !partial.stdout.contains("mask.") && partial.stdout.contains("rpn.deltas.p6"))
    }

    @Test func theOutputNeverReplacesItsSource() throws {
        let scratch = try ScratchDirectory()
        let source = scratch.path("model.pkl")
        try FileManager.default.copyItem(atPath: CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl"), toPath: source)
        let before = try #require(FileManager.default.contents(atPath: source))
        let result = try CLI.run("export", source, "--to", source, "--force")
        #expect(result.status == 1)
        #expect(FileManager.default.contents(atPath: source) == before)
    }

    @Test func externalDataLiesBesideTheModelAndReadsBack() throws {
        let scratch = try ScratchDirectory()
        let folder = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x")
        let output = scratch.path("model.onnx")
        let export = try CLI.run("export", folder + "/model_final.pkl", "--to", output, "--external-data")
        #expect(export.status == 0, "\(export.stderr)")
        #expect(scratch.contents == ["model.onnx", "model.onnx.data"])
        let data = try #require(FileManager.default.attributesOfItem(atPath: output + ".data")[.size] as? Int)
        let model = try #require(FileManager.default.attributesOfItem(atPath: output)[.size] as? Int)
        #expect(data > 10 * model)
        let verify = try CLI.run("verify", folder + "/model_final.pkl", output, "--input", folder + "/input.npy",
                                 "--boxes", folder + "/boxes.npy")
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func aRefusedModelLeavesNoDataFileBehind() throws {
        let scratch = try ScratchDirectory()
        let output = scratch.path("model.onnx")
        try Data("taken".utf8).write(to: URL(fileURLWithPath: output))
        let source = CLI.fixture("zoo/detectron2/mask_rcnn_R_50_FPN_3x/model_final.pkl")
        let result = try CLI.run("export", source, "--to", output, "--external-data")
        #expect(result.status == 1)
        #expect(scratch.contents == ["model.onnx"])
        #expect(FileManager.default.contents(atPath: output) == Data("taken".utf8))
    }
}
