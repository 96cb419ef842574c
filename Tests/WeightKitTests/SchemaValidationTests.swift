import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// The JSON Schemas in schemas/ describe what WeightKit really reads and writes: every shipped layout and
/// the header of real conversions validate (with Python's jsonschema, which scripts/install-deps provides).
@Suite struct SchemaValidationTests {
    /// Validates each instance file against `schema`; returns the validator's complaints, empty when valid.
    private func validate(_ instances: [String], against schema: String) throws -> String {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                for error in validator.iter_errors(json.load(open(path))):
                    print(path, "/".join(map(str, error.absolute_path)), error.message)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, schema] + instances
        let out = Pipe()
        python.standardOutput = out
        try python.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        try #require(python.terminationStatus == 0, "python3 with jsonschema is needed: run scripts/install-deps")
        return text
    }

    /// The keys the code writes (ContainerKey) are exactly the keys the header schema allows.
    @Test func containerKeysAreTheSchemasKeys() throws {
        let url = Fixtures.repository.appendingPathComponent("schemas/vov-bin-header.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let metadata = (schema?["properties"] as? [String: Any])?["__metadata__"] as? [String: Any]
        let anyOf = (metadata?["propertyNames"] as? [String: Any])?["anyOf"] as? [[String: Any]]
        let allowed = try #require(anyOf?.compactMap { $0["enum"] as? [String] }.first)
        #expect(Set(allowed) == Set(ContainerKey.allCases.map(\.rawValue)))
    }

    @Test func everyShippedLayoutValidates() throws {
        let folder = Fixtures.repository.appendingPathComponent("schemas/layouts")
        let layouts = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") && $0 != "layout.schema.json" }.sorted()
        #expect(layouts.count >= 11)
        let complaints = try validate(layouts.map { folder.appendingPathComponent($0).path },
                                      against: folder.appendingPathComponent("layout.schema.json").path)
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test func convertedHeadersValidate() throws {
        let scratch = try ScratchDirectory()
        var headers: [String] = []
        let sources = ["pytorch/vovnet-zip.pth", "detectron/detectron-py2.pkl", "mxnet/resnetlike-0000.params",
                       "caffe2/init_net.pb", "canonical/adelaidet-vovnet-fcos.pth"]
        for (index, source) in sources.enumerated() {
            let output = scratch.path("out\(index).bin")
            var conversion = Conversion()
            conversion.foldBatchNorm = index % 2 == 0
            conversion.dtype = index == 1 ? .float16 : nil
            try conversion.run(from: Fixtures.path(source), to: output)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
            let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = scratch.path("header\(index).json")
            try bytes.subdata(in: 8..<8 + length).write(to: URL(fileURLWithPath: header))
            headers.append(header)
        }
        let schema = Fixtures.repository.appendingPathComponent("schemas/vov-bin-header.schema.json").path
        let complaints = try validate(headers, against: schema)
        #expect(complaints.isEmpty, "\(complaints)")

        // The schema can fail: an undocumented weightkit.* key and a malformed digest are refused.
        let forged = scratch.path("forged.json")
        try #"{"__metadata__": {"weightkit.bogus": "1", "weightkit.source_sha256": "abc"}}"#
            .write(toFile: forged, atomically: true, encoding: .utf8)
        let refused = try validate([forged], against: schema)
        #expect(refused.contains("weightkit.bogus") && refused.contains("source_sha256"), "\(refused)")
    }
}
