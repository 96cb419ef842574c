import Foundation
import WeightKitTestSupport
import Testing
import WeightKit

/// What a newcomer reads when something goes wrong: one `error:` line that says what happened and what to
/// do. The wording is pinned here.
@Suite struct MessageWordingTests {
    private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test func aTruncatedDownloadSaysTheFileEndsEarly() throws {
        let scratch = try Scratch()
        for (fixture, keep) in [("pytorch/resnet-zip.pth", 4096), ("detectron/detectron-py2.pkl", 3000),
                                ("mxnet/resnetlike-0000.params", 2000)] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture(fixture))).prefix(keep)
            let cut = scratch.path("cut-" + URL(fileURLWithPath: fixture).lastPathComponent)
            try bytes.write(to: URL(fileURLWithPath: cut))
            let result = try CLI.run("inspect", cut)
            #expect(result.status == 1)
            #expect(lines(result.stderr).count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(cut): "))
            #expect(result.stderr.contains("the file ends early, probably an interrupted download or copy"), "\(result.stderr)")
        }
    }

    @Test func aTextFileIsCalledOneNotAProtobuf() throws {
        let scratch = try Scratch()
        let text = scratch.path("notes.txt")
        try "hello world\nthese are not weights\n".write(toFile: text, atomically: false, encoding: .utf8)
        let result = try CLI.run("inspect", text)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(text): not a weight file WeightKit knows: a text file (it begins \"hello world\"), not weights\n")
    }

    @Test func aMissingOutputFolderIsNamed() throws {
        let result = try CLI.run("convert", CLI.fixture("pytorch/resnet-zip.pth"), "--to", "/nonexistent-folder/x/vov.bin")
        #expect(result.status == 1)
        #expect(result.stderr == "error: /nonexistent-folder/x/vov.bin: the output folder '/nonexistent-folder/x' does not exist\n")
    }

    @Test func unrecognisedNamesShowSomeNamesAndTheClosestLayout() throws {
        let scratch = try Scratch()
        let result = try CLI.run("convert", CLI.fixture("numpy/f4.npy"), "--to", scratch.path("x.bin"))
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: \(CLI.fixture("numpy/f4.npy")): no layout recognises these names ("))
        #expect(result.stderr.contains("every tensor keeps its source name (schemas/layouts/README.md lists the families)"))
        // An mmdetection ResNet whose stages were renamed is nearest mmdetection's layouts, which map its stem.
        var collection = TensorCollection(format: .safetensors)
        for name in ["backbone.conv1.weight", "backbone.bn1.weight", "backbone.stage1.0.conv1.weight", "neck.lateral.0.weight"] {
            try collection.append(Tensor(name: name, dtype: .float32, shape: Shape([1]), data: TensorData([0, 0, 0, 0])))
        }
        let renamed = scratch.path("renamed.safetensors")
        try WeightFile.writeSafetensors(collection, to: renamed)
        let near = try CLI.run("convert", renamed, "--to", scratch.path("y.bin"))
        #expect(near.stderr.contains("no layout recognises these names (backbone.conv1.weight, backbone.bn1.weight, "
            + "backbone.stage1.0.conv1.weight, neck.lateral.0.weight); the closest layout is mmdet-"), "\(near.stderr)")
        #expect(near.stderr.contains("whose rules map 2 of 4"))
    }

    @Test func anUnknownSubcommandSaysSo() throws {
        let result = try CLI.run("diff", "a.pth", "b.pth")
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "error: unknown subcommand 'diff'; weightkit has inspect, convert, verify, export (see weightkit --help)\n")
    }

    @Test func argumentErrorsAreOneErrorLine() throws {
        let missing = try CLI.run("convert", CLI.fixture("pytorch/resnet-zip.pth"), "--to")
        #expect(missing.status == 64)
        #expect(missing.stderr == "error: missing value for '--to <to>' (see weightkit convert --help)\n")
        let unknown = try CLI.run("inspect", "--bogus", "x")
        #expect(unknown.stderr == "error: unknown option '--bogus' (see weightkit inspect --help)\n")
        let source = try CLI.run("convert")
        #expect(source.stderr == "error: missing expected argument '<sources> ...' (see weightkit convert --help)\n")
        let help = try CLI.run("--help")
        #expect(help.status == 0 && help.stdout.contains("SUBCOMMANDS"))
    }

    @Test func verifyNamesItsFilesAndTakesLogitsAsFrameworksSaveThem() throws {
        let model = CLI.fixture("verify/timm-vovnet-ese.pth")
        let logits = CLI.fixture("verify/timm-vovnet-ese.logits.npy")
        let noInput = try CLI.run("verify", model, "--expect", logits, "--output", "logits")
        #expect(noInput.status == 64)
        #expect(noInput.stderr == "error: --expect needs --input: the framework's saved output came from one particular image (see weightkit verify --help)\n")
        // timm saves logits as (1, classes); the fixture holds (1, classes, 1, 1): the same header, reshaped.
        let scratch = try Scratch()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: logits))
        let header = try #require(String(data: bytes.prefix(128), encoding: .isoLatin1))
        let flat = header.replacingOccurrences(of: "(1, 10, 1, 1)", with: "(1, 10)      ")
        #expect(flat != header)
        bytes.replaceSubrange(0..<128, with: try #require(flat.data(using: .isoLatin1)))
        let reshaped = scratch.path("logits.npy")
        try bytes.write(to: URL(fileURLWithPath: reshaped))
        let input = CLI.fixture("verify/timm-vovnet-ese.input.npy")
        let accepted = try CLI.run("verify", model, "--input", input, "--expect", reshaped, "--output", "logits")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let wrong = try CLI.run("verify", model, "--input", input, "--expect", reshaped, "--output", "nope")
        #expect(wrong.stderr == "error: \(model): no output 'nope'; this network has stem, stage2, stage3, stage4, stage5, logits\n")
    }

    @Test func aTargetLayoutSaysWhatItCannotCombineOrExpress() throws {
        let scratch = try Scratch()
        let source = CLI.fixture("verify/torchvision-resnext.pth")
        let names = try CLI.run("convert", source, "--to", scratch.path("a.pth"), "--layout", "torchvision", "--names", "source")
        #expect(names.stderr == "error: --layout writes that layout's names; it excludes --names source (see weightkit convert --help)\n")
        let order = try CLI.run("convert", source, "--to", scratch.path("a.pth"), "--layout", "torchvision", "--bgr")
        #expect(order.stderr == "error: --layout sets the channel order its framework expects; drop --rgb/--bgr (see weightkit convert --help)\n")
        let unknown = CLI.fixture("numpy/f4.npy")
        let nothing = try CLI.run("convert", unknown, "--to", scratch.path("a.pth"), "--layout", "torchvision")
        #expect(nothing.stderr == "error: \(unknown): no layout recognised the source's names, so there is nothing to rename into torchvision\n")
        let stride = try CLI.run("convert", CLI.fixture("verify/mmdet-caffe-fpn.pth"), "--to", scratch.path("b.pth"),
                                 "--layout", "torchvision-detection")
        #expect(stride.status == 1 && lines(stride.stderr).count == 1)
        #expect(stride.stderr.contains("cannot state otherwise; these weights were trained with it in the 1x1 one"))
        #expect(scratch.contents.isEmpty)
    }

    /// A model-zoo folder in one command: one line per file, a summary, each output atomic, and status 1
    /// when any file failed (a file with no tensors; two sources that would write one output).
    @Test func batchConversionReportsEveryFile() throws {
        let scratch = try Scratch()
        let out = scratch.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let sources = ["verify/torchvision-resnext.pth", "verify/timm-vovnet-ese.pth", "caffe2/predict_net.pb",
                       "mxnet/gluon-net.params", "verify/gluon-resnet-v1.params"].map(CLI.fixture)
        var arguments = ["convert"] + sources + ["--to-dir", out, "--jobs", "2", "--quiet"]
        var result = try CLI.run(arguments)
        #expect(result.status == 1)
        let lines = self.lines(result.stdout)
        #expect(lines.count == 6, "\(result.stdout)")
        #expect(lines[0] == "ok      \(sources[0]) -> \(out)/torchvision-resnext.safetensors (132 tensors, torchvision-resnet)")
        #expect(lines[2] == "failed  \(sources[2]): file holds no tensors; nothing to convert")
        #expect(lines[5] == "converted 4 of 5 files into \(out) (1 failed)")
        #expect(result.stderr.hasSuffix("error: 1 of 5 files failed to convert\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
                    == ["gluon-net.safetensors", "gluon-resnet-v1.safetensors", "timm-vovnet-ese.safetensors",
                        "torchvision-resnext.safetensors"])
        // Two sources with one name: the batch is refused before anything is written.
        let empty = scratch.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        arguments = ["convert", sources[0], sources[0], "--to-dir", empty, "--force"]
        result = try CLI.run(arguments)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(sources[0]) and \(sources[0]) would both write \(empty)/torchvision-resnext.safetensors; "
            + "nothing was converted (give them different names or folders)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        let missing = try CLI.run(["convert"] + sources + ["--to", scratch.path("x.bin")])
        #expect(missing.stderr == "error: 5 sources need --to-dir, not --to (see weightkit convert --help)\n")
    }
}
