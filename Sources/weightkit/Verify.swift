import ArgumentParser
import Foundation
import WeightKit

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove two weight files compute the same function, or one file matches a framework's outputs.",
        discussion: """
            With two files, both run the reference forward pass (each with its own eps, AffineChannel and channel \
            order) on one deterministic input and every output both produce is compared. With --expect, one file's \
            --output is compared with an array the real framework saved. An output passes when \
            both hold the same NaN and infinite values at the same places and max|a-b| <= atol + rtol * max|reference| \
            over the finite ones (defaults rtol 1e-4, atol 1e-5), or the whole output's SNR is at least --min-snr \
            (default 80 dB) with max|a-b| <= 1e-3 * max|reference|: float32 rounding in a deep network, not another \
            function. The forward pass plans its memory before each \
            allocation and refuses a network that would need more than --max-memory (default 1G) at once.
            """)

    @Argument(help: "The reference weight file.")
    var reference: String

    @Argument(help: "The weight file to check against it.")
    var candidate: String?

    @Option(help: "Input size H or HxW for the deterministic input.")
    var size = "224"

    @Option(help: "Input image as .npy, shape (1, 3, H, W).")
    var input: String?

    @Option(help: "Proposals as .npy, shape (R, 4), x1 y1 x2 y2 in input pixels: the box head runs on them.")
    var boxes: String?

    @Option(help: "Expected output as .npy, saved by the real framework.")
    var expect: String?

    @Option(help: "The output --expect holds: stem, res2..res5, stage2..stage5, p2..p7, rpn.objectness.pN, rpn.deltas.pN, retina.cls.pN, retina.deltas.pN, box.cls_score, box.bbox_pred, mask.logits, keypoint.logits, logits.")
    var output: String?

    @Option(help: "Relative tolerance (of max |reference|).")
    var rtol: Double = 1e-4

    @Option(help: "Absolute tolerance.")
    var atol: Double = 1e-5

    @Option(name: .customLong("min-snr"), help: "Also pass an output whose SNR is at least this many dB (and max error within 1e-3 of max|reference|).")
    var minimumSNR: Double = 80

    @OptionGroup var memory: MemoryLimit
    @OptionGroup var member: ArchiveMemberOption

    func validate() throws {
        if candidate == nil && expect == nil { throw ValidationError("give a second file or --expect") }
        if expect != nil && output == nil { throw ValidationError("--expect needs --output") }
        if expect != nil && input == nil {
            throw ValidationError("--expect needs --input: the framework's saved output came from one particular image")
        }
        for (name, value) in [("--rtol", rtol), ("--atol", atol), ("--min-snr", minimumSNR)] where !(value.isFinite && value >= 0) {
            throw ValidationError("\(name) must be a finite number of at least 0")
        }
    }

    func run() throws {
        ForwardMemory.reuseFreedMemory()
        var verifier = Verifier()
        verifier.relativeTolerance = rtol
        verifier.absoluteTolerance = atol
        verifier.minimumSNR = minimumSNR
        var failed = false
        let forward = ForwardMemory(limit: memory.bytes ?? ForwardMemory.defaultLimit)
        let options = WeightFile.ReadOptions(maximumBytes: memory.bytes, member: member.name)
        try reportingErrors { () throws(WeightKitError) in
            let image = try inputImage(forward)
            let proposals = try boxes.map { (path) throws(WeightKitError) in
                try Verifier.boxes(fromNpy: path, height: image.height, width: image.width)
            } ?? []
            let model = try Verifier.load(reference, memory: forward, options: options)
            let comparisons: [Verifier.Comparison]
            if let expect, let output {
                let outputs = try model.run(image, boxes: proposals)
                guard let produced = outputs.first(where: { $0.name == output })?.value else {
                    throw WeightKitError(.invalidArgument,
                                         "no output '\(output)'; this network has \(outputs.map(\.name).joined(separator: ", "))",
                                         file: reference)
                }
                let saved = try Verifier.featureMap(fromNpy: expect, memory: forward)
                let (candidate, expected) = Verifier.inSourceOrder(
                    output, produced: produced, expected: saved, layout: model.collection[.layout])
                comparisons = [try verifier.compare(output, reference: expected, candidate: candidate)]
            } else if let candidate {
                comparisons = try verifier.compare(
                    model, try Verifier.load(candidate, memory: forward, options: options), input: image, boxes: proposals)
            } else {
                comparisons = []
            }
            try StandardOutput.write(line: table(comparisons))
            for comparison in comparisons {
                if let reason = comparison.failureReason {
                    StandardError.write("\(comparison.output): \(reason)\n")
                }
            }
            failed = comparisons.isEmpty || comparisons.contains { !$0.passed }
        }
        if failed {
            let files = expect.map { "\(reference) against \($0)" } ?? "\(reference) against \(candidate ?? "")"
            StandardError.write("error: \(files): verification failed (tolerance: atol \(atol) + rtol \(rtol) * max|reference|, or SNR >= \(minimumSNR) dB)"
                .escapingControlCharacters + "\n")
            throw ExitCode(1)
        }
    }

    private func inputImage(_ forward: ForwardMemory) throws(WeightKitError) -> FeatureMap {
        if let input { return try Verifier.featureMap(fromNpy: input, memory: forward) }
        let parts = size.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let height = parts[0], let width = parts.count == 2 ? parts[1] : height,
              height > 0, width > 0
        else {
            throw WeightKitError(.invalidArgument, "--size '\(size)' is not H or HxW with positive whole numbers")
        }
        return try Verifier.input(height: height, width: width, memory: forward)
    }

    private func table(_ comparisons: [Verifier.Comparison]) -> String {
        let rows = comparisons.map { c in
            [c.output, String(format: "%.3e", c.maxAbsoluteError), String(format: "%.3e", c.relativeError),
             c.snrDecibels.isInfinite ? "inf" : String(format: "%.1f", c.snrDecibels), c.passed ? "ok" : "FAIL"]
        }
        return TextTable.render(header: ["output", "max abs err", "max err / max|ref|", "SNR dB", "result"],
                                rows: rows, rightAligned: [1, 2, 3]).joined(separator: "\n")
    }
}
