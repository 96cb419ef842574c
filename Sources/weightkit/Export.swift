import ArgumentParser
import WeightKit

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a weight file's network as a runnable ONNX model.",
        discussion: """
            The graph is the network `verify` runs for the file, in standard ONNX operators, with the same \
            outputs under the same names. The input is `input`, float32 (1, 3, H, W), what `verify --input` \
            takes (H and W symbolic unless --size fixes them); R-CNN detectors also take `boxes`, (R, 4) as \
            x1 y1 x2 y2 in input pixels, for their ROI heads. The weights are float32 initializers under \
            their canonical names; `metadata_props` carry the source's semantics and SHA-256.
            """)

    @Argument(help: "The weight file to export; its content decides its format.")
    var source: String

    @Option(name: .customLong("to"), help: "The ONNX file to write.")
    var destination: String

    @Option(help: "Fix the input size to H or HxW instead of leaving it symbolic.")
    var size: String?

    @Flag(help: "Take 0-255 RGB pixels: the graph applies the source's channel order, scale, mean and std.")
    var preprocess = false

    @Option(help: "The ONNX operator set to write (16 to 21).")
    var opset = ONNXExportOptions.defaultOpset

    @Flag(name: .customLong("without-roi-heads"), help: "Leave the ROI heads out: the graph ends at the backbone, neck and dense heads.")
    var withoutROIHeads = false

    @Flag(name: .customLong("external-data"),
          help: "Keep the weights in <output>.data beside the model (4096-aligned); always so past 2 GiB.")
    var externalData = false

    @Flag(help: "Replace the output if it exists.")
    var force = false

    @OptionGroup var memory: MemoryLimit
    @OptionGroup var member: ArchiveMemberOption

    func run() throws {
        MappedFileFault.reading(source)
        try reportingErrors { () throws(WeightKitError) in
            let options = ONNXExportOptions(opset: opset, size: try fixedSize(), preprocess: preprocess, roiHeads: !withoutROIHeads)
            var export = ONNXExport(options: options, readOptions: WeightFile.ReadOptions(maximumBytes: memory.bytes, member: member.name),
                                    overwrite: force)
            export.externalData = externalData
            let report = try export.run(from: source, to: destination)
            let name = report.architecture.map { " (\($0))" } ?? ""
            let data = report.externalData.map { " (weights in \($0))" } ?? ""
            try StandardOutput.write(line: "exported \(source)\(name) to \(destination)\(data): \(report.nodeCount) nodes, "
                + "\(report.initializerCount) initializers, outputs \(report.outputs.joined(separator: ", "))")
        }
    }

    private func fixedSize() throws(WeightKitError) -> (height: Int, width: Int)? {
        guard let size else { return nil }
        let parts = size.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let height = parts[0], let width = parts.count == 2 ? parts[1] : height,
              (1...65536).contains(height), (1...65536).contains(width)
        else {
            throw WeightKitError(.invalidArgument, "--size '\(size)' is not H or HxW with whole numbers from 1 to 65536")
        }
        return (height, width)
    }
}
