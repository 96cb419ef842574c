import Foundation
import WeightKit

/// What `convert --json` prints: one object per converted file with what was changed, dropped or refused,
/// for scripts and CI.
struct ConversionReport: JSONReport {
    var source: String
    var output: String
    var layout: String?
    var targetLayout: String?
    var architecture: String?
    var tensors: Int
    /// What was changed so the target computes the same function, and settings the user must make.
    var changed: [String]
    /// Source names no layout maps, kept under those names.
    var unmapped: [String]
    /// Canonical tensors the target layout cannot hold, left out.
    var leftOut: [String]
    /// Norms that could not be folded, with the reason.
    var unfolded: [String]

    init(source: String, output: String, report: Conversion.Report) {
        self.source = source
        self.output = output
        layout = report.layout
        targetLayout = report.targetLayout
        architecture = report.architecture
        tensors = report.tensorCount
        changed = report.conversions
        unmapped = report.unmapped
        leftOut = report.inexpressible
        unfolded = report.unfolded
    }

    enum CodingKeys: String, CodingKey {
        case source, output, layout, architecture, tensors, changed, unmapped, unfolded
        case targetLayout = "target_layout"
        case leftOut = "left_out"
    }
}
