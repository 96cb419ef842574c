import ArgumentParser
import Foundation
import WeightKit

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove two weight files compute the same function, or one file matches a framework's outputs.",
        discussion: """
            Every output is held to a noise floor measured on the same network: how far a second correct \
            computation of it lands. With --expect, one file's --output is compared with an array the real \
            framework saved, against WeightKit's reference pass (float64 sums); the floor is the spread \
            between that pass and WeightKit's float32 pass. With two files, both run the reference pass \
            (each with its own eps, AffineChannel and channel order) on one input; the floor is what moving \
            every weight by half an ulp of its storage changes. An output passes when its RMS and largest \
            error stay within --noise-factor (default 8) times that floor; an output with nothing to \
            compare (empty, NaN everywhere, constant) fails with the reason. The table gives, per output, \
            the error, the floor (RMS allowed, relative to the output's RMS) and the margin (how many times \
            the error fits). The forward pass plans its memory before each allocation and refuses a network \
            that would need more than --max-memory (default 1G) at once.
            """)

    @Argument(help: "The reference weight file.")
    var reference: String

    @Argument(help: "The weight file to check against it.")
    var candidate: String?

    @Option(help: "Input size H or HxW for the deterministic input.")
    var size = "224"

    @Option(help: "Input image as .npy, shape (1, 3, H, W).")
    var input: String?

    @Option(help: "Proposals as .npy, shape (R, 4), x1 y1 x2 y2 in input pixels: the ROI heads run on them.")
    var boxes: String?

    @Option(help: "Expected output as .npy, saved by the real framework; or a folder of <output>.npy files, each compared with the output of its name.")
    var expect: String?

    @Option(help: "The output --expect holds: stem, res2..res5, stage2..stage5, p2..p7, rpn.objectness.pN, rpn.deltas.pN, retina.cls.pN, retina.deltas.pN, box.cls_score, box.bbox_pred, mask.logits, keypoint.logits, logits.")
    var output: String?

    @Flag(name: .customLong("canonical-order"),
          help: "The --expect arrays list classes in WeightKit's canonical order (an exported model's outputs), not the source framework's.")
    var canonicalOrder = false

    @OptionGroup var normEps: NormEpsOption

    @Option(name: .customLong("noise-factor"), help: "How many times the noise floor an error may be.")
    var noiseFactor: Double = 8

    @Flag(help: "Print one JSON object (per output: error, SNR, noise floor, margin, verdict) instead of a table.")
    var json = false

    @OptionGroup var memory: MemoryLimit
    @OptionGroup var member: ArchiveMemberOption

    func validate() throws {
        if candidate == nil && expect == nil { throw ValidationError("give a second file or --expect") }
        if let expect, output == nil, !Self.isFolder(expect) {
            throw ValidationError("--expect needs --output, or a folder of <output>.npy files")
        }
        if expect != nil && input == nil {
            throw ValidationError("--expect needs --input: the framework's saved output came from one particular image")
        }
        if !(noiseFactor.isFinite && noiseFactor >= 1) { throw ValidationError("--noise-factor must be a finite number of at least 1") }
    }

    func run() throws {
        ForwardMemory.reuseFreedMemory()
        var verifier = Verifier()
        verifier.noiseFactor = noiseFactor
        verifier.expectsSourceOrder = !canonicalOrder
        var failed = false
        try reportingErrors { () throws(WeightKitError) in
            let comparisons = try compare(verifier)
            let report = VerificationReport(reference: reference, candidate: candidate, expected: expect,
                                            noiseFactor: noiseFactor, comparisons: comparisons)
            try StandardOutput.write(line: json ? try report.json() : VerificationTable(comparisons).text)
            for comparison in comparisons {
                if let reason = comparison.failureReason { StandardError.write("\(comparison.output): \(reason)".escapingControlCharacters + "\n") }
            }
            failed = !Verifier.passes(comparisons)
        }
        if failed {
            let files = expect.map { "\(reference) against \($0)" } ?? "\(reference) against \(candidate ?? "")"
            StandardError.write("error: \(files): verification failed (errors beyond \(noiseFactor)x the noise floor)".escapingControlCharacters + "\n")
            throw ExitCode(1)
        }
    }

    private func compare(_ verifier: Verifier) throws(WeightKitError) -> [Verifier.Comparison] {
        let forward = ForwardMemory(limit: memory.bytes ?? ForwardMemory.defaultLimit)
        let options = WeightFile.ReadOptions(maximumBytes: memory.bytes, member: member.name)
        let image = try inputImage(forward)
        let proposals = try boxes.map { (path) throws(WeightKitError) in
            try Verifier.boxes(fromNpy: path, height: image.height, width: image.width)
        } ?? []
        var model = try Verifier.load(reference, memory: forward, options: options)
        if let eps = normEps.value { model = try model.withNormEps(eps) }
        if let expect, Self.isFolder(expect) {
            let saved = try Verifier.savedOutputs(in: expect, for: model, memory: forward)
            return try verifier.check(model, expected: output.map { name in saved.filter { $0.name == name } } ?? saved,
                                      input: image, boxes: proposals)
        }
        if let expect, let output {
            let saved = try Verifier.featureMap(fromNpy: expect, memory: forward)
            return [try verifier.check(model, output: output, expected: saved, input: image, boxes: proposals)]
        }
        guard let candidate else { return [] }
        var other = try Verifier.load(candidate, memory: forward, options: options)
        if let eps = normEps.value { other = try other.withNormEps(eps) }
        return try verifier.compare(model, other, input: image, boxes: proposals)
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func inputImage(_ forward: ForwardMemory) throws(WeightKitError) -> FeatureMap {
        if let input { return try Verifier.featureMap(fromNpy: input, memory: forward, finite: true) }
        let parts = size.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let height = parts[0], let width = parts.count == 2 ? parts[1] : height,
              height > 0, width > 0
        else {
            throw WeightKitError(.invalidArgument, "--size '\(size)' is not H or HxW with positive whole numbers")
        }
        return try Verifier.input(height: height, width: width, memory: forward)
    }
}
