import Foundation
import WeightKitTestSupport
import Testing
import WeightKit

// README example begin
func halfPrecisionCopy(of source: String, to output: String) throws {
    let weights = try WeightFile.read(source)
    print("\(weights.format.rawValue): \(weights.count) tensors, \(weights.parameterCount) parameters")
    for tensor in weights.tensors where tensor.dtype.isFloatingPoint {
        print(tensor.name, tensor.dtype.rawValue, tensor.shape)
    }

    var conversion = Conversion()
    conversion.dtype = .float16
    conversion.overwrite = true
    try conversion.run(from: source, to: output)
}
// README example end

@Suite struct ReadmeExampleTests {
    @Test func exampleRuns() throws {
        let scratch = try ScratchDirectory()
        let output = scratch.path("half.bin")
        try halfPrecisionCopy(of: Fixtures.path("safetensors/python-written.safetensors"), to: output)
        #expect(try WeightFile.read(output)["f32"]?.dtype == .float16)
    }

    @Test func readmeShowsThisExample() throws {
        let root = Fixtures.root.deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let thisFile = try String(contentsOfFile: #filePath, encoding: .utf8)
        let block = try #require(readme.between("<!-- readme-example -->\n```swift\n", "```\n<!-- /readme-example -->"))
        let code = try #require(thisFile.between("// README example begin\n", "// README example end\n"))
        #expect(block == "import WeightKit\n\n" + code)
    }
}

extension String {
    fileprivate func between(_ start: String, _ end: String) -> String? {
        guard let lower = range(of: start), let upper = range(of: end, range: lower.upperBound..<endIndex) else {
            return nil
        }
        return String(self[lower.upperBound..<upper.lowerBound])
    }
}
