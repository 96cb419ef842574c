import Foundation
import Testing
import WeightKit
import WeightKitTestSupport

/// The SHA-256 prefix in a downloaded file's name, compared by `inspect` and `convert`, and `--version`.
@Suite struct NamedDigestTests {
    /// A file mmdetection's publish_model named after its own SHA-256.
    let published = CLI.fixture(
        "zoo/mmdet/fpg-retinanet-chn128/retinanet_r50_fpg-chn128_crop640_50e_coco_20220311_011856-5fa2fde5.pth")

    @Test func namesCarryDigitsAfterTheirLastDash() {
        #expect(NamedDigest.promisedDigits(inName: "/hub/resnet50-0676ba61.pth") == "0676ba61")
        #expect(NamedDigest.promisedDigits(inName: "x_20220311_011856-5FA2FDE5.pth") == "5fa2fde5")
        #expect(NamedDigest.promisedDigits(inName: "model_final.pth") == nil)
        #expect(NamedDigest.promisedDigits(inName: "resnet-50-0000.params") == nil)
        #expect(NamedDigest.promisedDigits(inName: "a-nothexdigits.pth") == nil)
    }

    @Test func aMatchingDigestIsNoted() throws {
        let inspect = try CLI.run("inspect", published, "--check-hash")
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stderr.contains("sha256 matches the name (5fa2fde5)"))
    }

    @Test func aRenamedFileIsWarnedAboutOrRefused() throws {
        let scratch = try Scratch()
        let renamed = scratch.path("resnet50-0676ba61.pth")
        try FileManager.default.copyItem(atPath: published, toPath: renamed)
        let warned = try CLI.run("inspect", renamed)
        #expect(warned.status == 0)
        #expect(warned.stderr.contains("warning:") && warned.stderr.contains("the name promises 0676ba61"))
        let refused = try CLI.run("convert", renamed, "--check-hash", "--to", scratch.path("out.safetensors"))
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error:") && refused.stderr.contains("a corrupt or different download"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out.safetensors")))
    }

    @Test func versionIsPrinted() throws {
        let result = try CLI.run("--version")
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == WeightKitVersion.current)
    }
}
