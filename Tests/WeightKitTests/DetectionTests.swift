import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct DetectionTests {
    private func sniff(_ text: String) -> SniffedContent {
        Array(text.utf8).withUnsafeBytes { ContentSniffer.sniff($0) }
    }

    private func sniff(_ bytes: [UInt8]) -> SniffedContent {
        bytes.withUnsafeBytes { ContentSniffer.sniff($0) }
    }

    @Test func recognisesMagicBytes() {
        #expect(sniff([0x50, 0x4B, 0x03, 0x04, 0, 0]) == .zipArchive)
        #expect(sniff(ContentSniffer.legacyTorchPrefix + [0x2E]) == .pytorchLegacy)
        #expect(sniff([0x80, 0x02, 0x7D, 0x2E]) == .pickle)
        #expect(sniff([0x93] + Array("NUMPY".utf8) + [1, 0]) == .numpyNpy)
        #expect(sniff([0x12, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]) == .mxnetParams)
        #expect(sniff(safetensorsBytes(header: "{}", data: [])) == .safetensors)
    }

    @Test func namesGitLFSPointers() {
        guard case .unrecognized(let text) = sniff(
            "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n")
        else { Issue.record("LFS pointer taken for weights"); return }
        #expect(text.contains("Git LFS pointer"))
    }

    @Test func namesHTMLPages() {
        guard case .unrecognized(let text) = sniff("\n<!DOCTYPE html><html><body>Not Found</body></html>")
        else { Issue.record("HTML taken for weights"); return }
        #expect(text.contains("HTML page"))
    }

    @Test func describesUnknownBytes() {
        guard case .unrecognized(let text) = sniff([0xDE, 0xAD, 0xBE, 0xEF]) else {
            Issue.record("garbage recognised"); return
        }
        #expect(text.contains("de ad be ef"))
    }

    @Test func extensionDoesNotMatter() throws {
        let scratch = try ScratchDirectory()
        let source = Fixtures.path("safetensors/python-written.safetensors")
        let renamed = scratch.path("weights.pkl")
        try FileManager.default.copyItem(atPath: source, toPath: renamed)
        #expect(try WeightFile.read(renamed).format == .safetensors)
    }
}
