import Foundation
import WeightKitTestSupport
import Testing

@Suite struct InspectCommandTests {
    let fixture = CLI.fixture("safetensors/python-written.safetensors")

    @Test func printsTableAndSummary() throws {
        let result = try CLI.run("inspect", fixture)
        #expect(result.status == 0)
        #expect(result.stdout.contains("name"))
        #expect(result.stdout.contains("backbone.bottom_up.stem.stem_1/conv.weight  float32    [4, 3, 3, 3]"))
        #expect(result.stdout.contains("format:     safetensors"))
        #expect(result.stdout.contains("tensors:    15"))
        #expect(result.stdout.contains("author: fixture script"))
    }

    @Test func jsonIsOneObjectInTheDocumentedShape() throws {
        let result = try CLI.run("inspect", fixture, "--json", "--stats")
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["file"] as? String == fixture)
        #expect(object["format"] as? String == "safetensors")
        #expect((object["metadata"] as? [String: String])?["format"] == "pt")
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 15)
        let f32 = try #require(tensors.first { $0["name"] as? String == "f32" })
        #expect(f32["dtype"] as? String == "float32")
        #expect(f32["shape"] as? [Int] == [3, 5])
        #expect(f32["elements"] as? Int == 15)
        #expect(f32["bytes"] as? Int == 60)
        let stats = try #require(f32["stats"] as? [String: Any])
        #expect(stats["nanCount"] as? Int == 0)
        #expect(stats["min"] is Double)
    }

    @Test func missingFileIsOneErrorLine() throws {
        let result = try CLI.run("inspect", "/nonexistent/model.pth")
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("error: /nonexistent/model.pth: cannot open"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func lfsPointerIsNamed() throws {
        let scratch = try Scratch()
        let path = scratch.path("model.pth")
        try "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n".write(
            toFile: path, atomically: false, encoding: .utf8)
        let result = try CLI.run("inspect", path)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Git LFS pointer"))
    }
}
