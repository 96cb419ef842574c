import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

@Suite struct DetectionTests {
    /// The registered reader that claims `bytes`, by name.
    private func reader(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { WeightFileRegistry.reader(for: $0)?.name }
    }

    private func described(_ text: String) -> String {
        Array(text.utf8).withUnsafeBytes { UnknownContent.describe($0) }
    }

    @Test func recognisesMagicBytes() {
        #expect(reader([0x50, 0x4B, 0x03, 0x04, 0, 0]) == "torch-zip")
        #expect(reader([0x80, 0x02, 0x8A, 0x0A] + TorchLegacyReader.magic + [0x2E]) == "torch-legacy")
        #expect(reader([0x80, 0x02, 0x7D, 0x2E]) == "numpy-pickle")
        #expect(reader(Array("(dp0\n.".utf8)) == "numpy-pickle")
        #expect(reader([0x93] + Array("NUMPY".utf8) + [1, 0]) == "npy")
        #expect(reader([0x12, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]) == "mxnet")
        #expect(reader(safetensorsBytes(header: "{}", data: [])) == "safetensors")
        #expect(reader([UInt8](repeating: 0x41, count: 257) + Array("ustar".utf8)) == "tar")
        #expect(reader([0x0A, 0x02, 0x08, 0x01]) == "caffe2")
        #expect(reader([0xDE, 0xAD, 0xBE, 0xEF]) == nil)
    }

    /// Every format has exactly one reader, and every reader's name is a fuzz target's.
    @Test func registryCoversEveryFormatOnce() {
        for format in WeightFormat.allCases {
            #expect(WeightFileRegistry.readers.filter { $0.formats.contains(format) }.count == 1, "\(format)")
        }
        let names = WeightFileRegistry.readers.map { $0.name }
        #expect(Set(names).count == names.count)
    }

    @Test func namesGitLFSPointers() {
        #expect(described("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n").contains("Git LFS pointer"))
    }

    @Test func namesHTMLPages() {
        #expect(described("\n<!DOCTYPE html><html><body>Not Found</body></html>").contains("HTML page"))
    }

    @Test func describesUnknownBytes() {
        #expect([UInt8]([0xDE, 0xAD, 0xBE, 0xEF]).withUnsafeBytes { UnknownContent.describe($0) }.contains("de ad be ef"))
    }

    @Test func extensionDoesNotMatter() throws {
        let scratch = try ScratchDirectory()
        let source = Fixtures.path("safetensors/python-written.safetensors")
        let renamed = scratch.path("weights.pkl")
        try FileManager.default.copyItem(atPath: source, toPath: renamed)
        #expect(try WeightFile.read(renamed).format == .safetensors)
    }
}
