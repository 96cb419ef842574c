import ArgumentParser
import WeightKit

extension Conversion.Naming: ExpressibleByArgument {}
extension StrideIn: ExpressibleByArgument {}
extension CheckpointWrapping: ExpressibleByArgument {}

extension DType: ExpressibleByArgument {
    /// The dtypes `--dtype` accepts: the cast targets only.
    public static var allValueStrings: [String] { DTypeCast.targets.map(\.rawValue) }
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a weight file as a canonical safetensors container (vov.bin) or a framework's own checkpoint.")

    @Argument(help: "The source weight files; each one's content decides its format. Several need --to-dir.")
    var sources: [String]

    @Option(name: .customLong("to-dir"), help: "Convert every source into this folder, one result line per file.")
    var directory: String?

    @Option(help: "With --to-dir: how many files convert at once.")
    var jobs = 1

    @Option(name: .customLong("to"), help: """
        The output file. Its name picks the container: .pth/.pt torch, .pkl detectron2 pickle, .npz NumPy, \
        .params MXNet, anything else (vov.bin, .safetensors) safetensors.
        """)
    var output: String?

    @Option(help: """
        Write names in this layout or family instead of canonical ones: detectron2, vovnet-detectron2, mmdet, \
        torchvision, torchvision-detection, timm, maskrcnn-benchmark, detectron-caffe2, mxnext, gluon, or a \
        layout's own name. Its semantics are converted exactly (channel order, norm eps, class order) or the \
        conversion is refused.
        """)
    var layout: String?

    @Option(help: "The container to write, whatever the output's name.")
    var format: OutputFormat?

    @Option(help: """
        How a .pth or .pkl holds its state dict: bare (torchvision, timm), model (detectron2; the default for \
        canonical names), state_dict (mmdetection) or blobs (Detectron). --layout chooses its framework's.
        """)
    var wrap: CheckpointWrapping?

    @Option(help: "How to name tensors: canonical (detectron2 / vovnet-detectron2 names) or source.")
    var names: Conversion.Naming = .canonical

    @Flag(help: "Fail when a tensor has no canonical name, instead of keeping its source name.")
    var strict = false

    @Option(name: .customLong("stride-in"),
            help: "Where the ResNet bottlenecks put their stride (1x1 or 3x3), when the file or its layout says otherwise.")
    var strideIn: StrideIn?

    @OptionGroup var normEps: NormEpsOption

    @Flag(help: "Reorder the first convolution's input channels to RGB.")
    var rgb = false

    @Flag(help: "Reorder the first convolution's input channels to BGR.")
    var bgr = false

    @Option(help: "Cast floating tensors to this dtype (float32, float16, bfloat16).")
    var dtype: DType?

    @Flag(name: .customLong("fold-bn"), help: "Fold every norm that directly follows a convolution into it.")
    var foldBatchNorm = false

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @Flag(help: "Convert every tensor in the file, not only the model weights, and keep training state.")
    var all = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Print one JSON object on stdout: what was changed, left unmapped, left out or not folded.")
    var json = false

    @OptionGroup var memory: MemoryLimit
    @OptionGroup var member: ArchiveMemberOption
    @OptionGroup var hash: HashCheckOption

    func validate() throws {
        if rgb && bgr { throw ValidationError("--rgb and --bgr exclude each other") }
        if sources.isEmpty { throw ValidationError("missing expected argument '<sources>'") }
        switch (output, directory) {
        case (nil, nil): throw ValidationError("missing --to <file> (or --to-dir <folder> for several sources)")
        case (.some, .some): throw ValidationError("--to and --to-dir exclude each other")
        case (.some, nil) where sources.count > 1: throw ValidationError("\(sources.count) sources need --to-dir, not --to")
        default: break
        }
        if !(1...64).contains(jobs) { throw ValidationError("--jobs must be from 1 to 64") }
        if let layout, layout != "canonical" {
            if names == .source { throw ValidationError("--layout writes that layout's names; it excludes --names source") }
            if rgb || bgr { throw ValidationError("--layout sets the channel order its framework expects; drop --rgb/--bgr") }
        }
    }

    func run() throws {
        var conversion = Conversion()
        conversion.strict = strict
        conversion.foldBatchNorm = foldBatchNorm
        conversion.channelOrder = rgb ? .rgb : bgr ? .bgr : nil
        conversion.naming = names
        conversion.dtype = dtype
        conversion.overwrite = force
        conversion.includeAll = all
        conversion.maximumReadBytes = memory.bytes
        conversion.strideIn = strideIn
        conversion.normEps = normEps.value
        conversion.archiveMember = member.name
        conversion.format = format?.format
        conversion.targetLayout = layout
        conversion.wrapping = wrap
        if let directory {
            try runBatch(conversion, into: directory)
            return
        }
        let source = sources[0]
        MappedFileFault.reading(source)
        let bar = !quiet && StandardError.isTerminal ? ProgressBar() : nil
        try reportingErrors { () throws(WeightKitError) in
            try hash.check(source)
            defer { bar?.finish() }
            let report = try conversion.run(
                from: source, to: output ?? "", progress: bar.map { bar in { bar.update($0, of: $1) } })
            warn(report, source)
            if json { try StandardOutput.write(line: try ConversionReport(source: source, output: output ?? "", report: report).json()) }
        }
    }

    /// One line per file on stdout, the warnings on stderr, then a summary; status 1 if any file failed.
    private func runBatch(_ conversion: Conversion, into directory: String) throws {
        var outcomes: [BatchConversion.Outcome] = []
        try reportingErrors { () throws(WeightKitError) in
            outcomes = try BatchConversion(conversion: conversion, jobs: jobs).run(sources, into: directory)
        }
        let failed = outcomes.count { if case .failure = $0.result { true } else { false } }
        try reportingErrors { () throws(WeightKitError) in
            for outcome in outcomes {
                switch outcome.result {
                case .success(let report) where json:
                    try StandardOutput.write(line: try ConversionReport(source: outcome.source, output: outcome.output, report: report).json())
                    warn(report, outcome.source)
                case .success(let report):
                    let layout = report.targetLayout ?? report.layout ?? "source names"
                    try StandardOutput.write(line: "ok      \(outcome.source) -> \(outcome.output) (\(report.tensorCount) tensors, \(layout))"
                        .escapingControlCharacters)
                    warn(report, outcome.source)
                case .failure(let error):
                    try StandardOutput.write(line: "failed  \(error)".escapingControlCharacters)
                }
            }
            try StandardOutput.write(line: "converted \(outcomes.count - failed) of \(outcomes.count) files into \(directory)"
                + (failed > 0 ? " (\(failed) failed)" : ""))
        }
        if failed > 0 {
            StandardError.write("error: \(failed) of \(outcomes.count) files failed to convert\n")
            throw ExitCode(1)
        }
    }

    private func warn(_ report: Conversion.Report, _ source: String) {
            for norm in report.unfolded {
                StandardError.write("warning: \(source): norm not folded: \(norm)".escapingControlCharacters + "\n")
            }
            for conversion in report.conversions {
                StandardError.write("note: \(source): \(conversion)".escapingControlCharacters + "\n")
            }
            if let target = report.targetLayout, !report.inexpressible.isEmpty {
                let shown = report.inexpressible.prefix(8).joined(separator: ", ")
                let more = report.inexpressible.count > 8 ? ", ..." : ""
                StandardError.write(
                    "warning: \(source): \(report.inexpressible.count) tensors have no name in \(target) and were left out: \(shown)\(more)"
                        .escapingControlCharacters + "\n")
            }
            if names == .canonical {
                if report.layout == nil {
                    let shown = report.unmapped.prefix(4).joined(separator: ", ") + (report.unmapped.count > 4 ? ", ..." : "")
                    let closest = report.closestLayout.map {
                        "; the closest layout is \($0.name), whose rules map \($0.mapped) of \(report.unmapped.count)"
                    } ?? "; no layout's rules map any of them"
                    StandardError.write(
                        ("warning: \(source): no layout recognises these names (\(shown))\(closest); every tensor keeps "
                            + "its source name (schemas/layouts/README.md lists the families)").escapingControlCharacters + "\n")
                } else if !report.unmapped.isEmpty {
                    let shown = report.unmapped.prefix(8).joined(separator: ", ")
                    let more = report.unmapped.count > 8 ? ", ..." : ""
                    StandardError.write(
                        "warning: \(source): \(report.unmapped.count) tensors have no canonical name and keep their source names: \(shown)\(more)"
                            .escapingControlCharacters + "\n")
                }
            }
    }
}
