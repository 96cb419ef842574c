import Foundation
import WeightKitTestSupport
import Testing
import WeightKit

@Suite struct ConvertCommandTests {
    let fixture = CLI.fixture("safetensors/python-written.safetensors")

    @Test func writesACanonicalContainer() throws {
        let scratch = try Scratch()
        let output = scratch.path("vov.bin")
        let result = try CLI.run("convert", fixture, "--to", output, "--names", "source")
        #expect(result.status == 0, "\(result.stderr)")
        let source = try WeightFile.read(fixture)
        let converted = try WeightFile.read(output)
        #expect(converted.metadata["weightkit.source_format"] == "safetensors")
        #expect(converted.metadata["weightkit.names"] == "source")
        #expect(converted.metadata["author"] == "fixture script")
        #expect(converted.names == source.names)
        for tensor in source.tensors {
            #expect(converted[tensor.name]?.data.bytes == tensor.data.bytes)
        }
        #expect(scratch.contents == ["vov.bin"])
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        let scratch = try Scratch()
        let output = scratch.path("x.safetensors")
        try "keep me".write(toFile: output, atomically: false, encoding: .utf8)
        let refused = try CLI.run("convert", fixture, "--to", output)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")
        let forced = try CLI.run("convert", fixture, "--to", output, "--force")
        #expect(forced.status == 0)
        #expect(try WeightFile.read(output).count == 15)
        #expect(scratch.contents == ["x.safetensors"])
    }

    @Test func neverWritesOverTheSource() throws {
        let scratch = try Scratch()
        let copy = scratch.path("model.safetensors")
        try FileManager.default.copyItem(atPath: fixture, toPath: copy)
        let result = try CLI.run("convert", copy, "--to", copy, "--force")
        #expect(result.status != 0)
        #expect(result.stderr.contains("is the source"))
        #expect(FileManager.default.contentsEqual(atPath: copy, andPath: fixture))
    }

    @Test func castsFloatingTensors() throws {
        let scratch = try Scratch()
        let output = scratch.path("half.bin")
        let result = try CLI.run("convert", fixture, "--to", output, "--dtype", "float16", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let converted = try WeightFile.read(output)
        #expect(converted["f32"]?.dtype == .float16)
        #expect(converted["bf16"]?.dtype == .float16)
        #expect(converted["i64"]?.dtype == .int64)
        #expect(converted["c64"]?.dtype == .complex64)
        #expect(converted.metadata["weightkit.dtype_cast"] == "float16")
        let f16 = try WeightFile.read(fixture)["f16"]
        #expect(converted["f32"]?.data.bytes == f16?.data.bytes)
    }

    @Test func failedConversionLeavesNothing() throws {
        let scratch = try Scratch()
        let bad = scratch.path("bad.bin")
        try Data([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7B]).write(to: URL(fileURLWithPath: bad))
        let result = try CLI.run("convert", bad, "--to", scratch.path("out.bin"))
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("error: \(bad)"))
        #expect(scratch.contents == ["bad.bin"])
    }
}

@Suite struct ConvertEveryFormatTests {
    static let sources = [
        "pytorch/resnet-zip.pth", "pytorch/resnet-legacy.pth", "pytorch/resnet-torchscript.pt",
        "detectron/detectron-py2.pkl", "mxnet/resnetlike-0000.params", "numpy/weights.npz", "numpy/f4.npy",
        "caffe2/init_net.pb", "caffe2/tensors.pb",
    ]

    @Test(arguments: sources)
    func convertedFileHoldsTheSameTensors(source: String) throws {
        let scratch = try Scratch()
        let output = scratch.path("vov.bin")
        let path = CLI.fixture(source)
        let result = try CLI.run("convert", path, "--to", output, "--names", "source", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        let original = try WeightFile.read(path)
        let converted = try WeightFile.read(output)
        // Same tensors; larger elements first, as the reference writer orders them, so each is aligned.
        #expect(converted.names.sorted() == original.names.sorted())
        let sizes = converted.tensors.map { $0.dtype.itemSize }
        #expect(sizes == sizes.sorted(by: >))
        let sameSize = { (size: Int) in { (names: [String]) in names.filter { original[$0]?.dtype.itemSize == size } } }
        for size in Set(sizes) {
            #expect(sameSize(size)(converted.names) == sameSize(size)(original.names), "order within size \(size)")
        }
        #expect(converted.metadata["weightkit.source_format"] == original.format.rawValue)
        for tensor in original.tensors {
            let copy = try #require(converted[tensor.name])
            #expect(copy.dtype == tensor.dtype && copy.shape == tensor.shape)
            #expect(copy.data.bytes == tensor.data.bytes, "\(tensor.name)")
        }
    }
}

@Suite struct VerifyCommandTests {
    @Test func foldedConversionVerifiesAgainstItsSource() throws {
        let scratch = try Scratch()
        let source = CLI.fixture("verify/timm-vovnet-dw-ese.pth")
        let folded = scratch.path("folded.bin")
        let convert = try CLI.run("convert", source, "--to", folded, "--fold-bn", "--quiet")
        #expect(convert.status == 0, "\(convert.stderr)")
        let verify = try CLI.run("verify", source, folded, "--size", "48")
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("stage5"))
        #expect(verify.stdout.contains("ok"))
    }

    @Test func expectedOutputsFromTheFramework() throws {
        let result = try CLI.run(
            "verify", CLI.fixture("verify/torchvision-resnext.pth"),
            "--input", CLI.fixture("verify/torchvision-resnext.input.npy"),
            "--expect", CLI.fixture("verify/torchvision-resnext.res5.npy"), "--output", "res5")
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// A detectron2 model trained from a torchvision backbone has its stride in the 3x3: the user says so,
    /// the output records it, and verify runs it that way (a different function from the 1x1 default).
    @Test func statedStridePlacementIsRecordedAndRun() throws {
        let scratch = try Scratch()
        let source = CLI.fixture("verify/torchvision-resnext.pth")
        let canonical = scratch.path("canonical.bin"), moved = scratch.path("moved.bin")
        #expect(try CLI.run("convert", source, "--to", canonical, "--quiet").status == 0)
        let result = try CLI.run("convert", canonical, "--to", moved, "--stride-in", "1x1", "--quiet")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try WeightFile.read(moved).semantics.strideIn == .oneByOne)
        let verify = try CLI.run("verify", canonical, moved, "--size", "64")
        #expect(verify.status == 1, "moving the stride must change the function")
        #expect(try CLI.run("convert", source, "--to", scratch.path("bad.bin"), "--stride-in", "2x2").status != 0)
    }

    @Test func differentFunctionsFail() throws {
        let result = try CLI.run(
            "verify", CLI.fixture("verify/timm-vovnet-ese.pth"), CLI.fixture("verify/timm-vovnet-v1.pth"), "--size", "32")
        #expect(result.status == 1)
        let files = "\(CLI.fixture("verify/timm-vovnet-ese.pth")) against \(CLI.fixture("verify/timm-vovnet-v1.pth"))"
        #expect(result.stderr.hasPrefix("error: \(files): verification failed (errors beyond 8.0x the noise floor)"),
                "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").dropFirst(2)
        #expect(rows.count == 6, "\(result.stdout)")
        #expect(rows.allSatisfy { $0.hasSuffix("FAIL") }, "\(result.stdout)")
    }
}

/// `convert --json`: one object a script reads instead of the notes on stderr.
@Suite struct ConvertJSONTests {
    @Test func reportsWhatWasChangedAndLeftOut() throws {
        let scratch = try Scratch()
        let source = CLI.fixture("zoo/maskrcnn-benchmark/e2e_mask_rcnn_X_101_32x8d_FPN_1x/model_final.pth")
        let output = scratch.path("back.pth")
        let result = try CLI.run("convert", source, "--layout", "maskrcnn-benchmark", "--to", output, "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["source"] as? String == source && object["output"] as? String == output)
        #expect(object["layout"] as? String == "maskrcnn-benchmark" && object["target_layout"] as? String == "maskrcnn-benchmark")
        let changed = try #require(object["changed"] as? [String])
        #expect(changed.contains("set MODEL.RESNETS.STRIDE_IN_1X1: False in the maskrcnn-benchmark config"))
        #expect((object["left_out"] as? [String])?.isEmpty == true && (object["tensors"] as? Int ?? 0) > 100)
    }
}
