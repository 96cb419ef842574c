import Foundation
import WeightKit

/// What `inspect` prints, as a table or as one JSON object.
struct InspectionReport: JSONReport {
    struct TensorRow: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var elements: Int
        var bytes: Int
        var stats: TensorStatistics?
    }

    var file: String
    var format: String
    /// The canonical layout that recognises the names, and the network it holds.
    var layout: String?
    var architecture: String?
    var tensors: [TensorRow]
    var metadata: [String: String]
    var tensorCount: Int
    var parameters: Int
    var bytes: Int

    /// - Throws: `WeightKitError` naming the file when its names hold a network part in a shape no network
    ///   has, or numbers no layout maps (a file that is simply not recognised has no layout line).
    init(file: String, collection: TensorCollection, withStatistics: Bool) throws(WeightKitError) {
        self.file = file
        format = collection.format.rawValue
        tensors = collection.tensors.map { tensor in
            TensorRow(
                name: tensor.name, dtype: tensor.dtype.rawValue, shape: tensor.shape.dimensions,
                elements: tensor.elementCount, bytes: tensor.byteCount,
                stats: withStatistics ? TensorStatistics(tensor) : nil)
        }
        metadata = collection.containerMetadata
        do throws(WeightKitError) {
            if let (name, network) = try CanonicalMapper.standard.recognizeNetwork(collection) {
                layout = name
                let heads = network.heads.isEmpty ? nil : network.heads.joined(separator: ",")
                let details = [network.architecture, network.neck, heads].compactMap { $0 }
                architecture = details.isEmpty ? nil : details.joined(separator: " + ")
            }
        } catch {
            throw error.inFile(file)
        }
        tensorCount = collection.count
        parameters = collection.parameterCount
        bytes = collection.byteCount
    }

    private enum CodingKeys: String, CodingKey {
        case file, format, layout, architecture, tensors, metadata
        case tensorCount = "tensor_count", parameters, bytes
    }

    func table() -> String {
        var columns = ["name", "dtype", "shape", "elements", "bytes"]
        if tensors.contains(where: { $0.stats != nil }) {
            columns += ["min", "max", "mean", "std", "nan", "inf"]
        }
        let rows: [[String]] = tensors.map { row in
            var cells = [
                row.name.escapingControlCharacters, row.dtype, "[" + row.shape.map(String.init).joined(separator: ", ") + "]",
                String(row.elements), String(row.bytes),
            ]
            if columns.count > 5 {
                if let stats = row.stats {
                    cells += [stats.min, stats.max, stats.mean, stats.std].map { $0.map(Self.number) ?? "-" }
                    cells += [String(stats.nanCount), String(stats.infCount)]
                } else {
                    cells += Array(repeating: "-", count: 6)
                }
            }
            return cells
        }
        var lines = TextTable.render(header: columns, rows: rows, rightAligned: Set(3..<columns.count))
        lines.append("")
        lines.append("file:       \(file.escapingControlCharacters)")
        lines.append("format:     \(format)")
        if let layout { lines.append("layout:     \(layout)") }
        if let architecture { lines.append("network:    \(architecture)") }
        lines.append("tensors:    \(tensorCount)")
        lines.append("parameters: \(parameters)")
        lines.append("bytes:      \(bytes) (\(ByteCountText.describe(bytes)))")
        if !metadata.isEmpty {
            lines.append("metadata:")
            for key in metadata.keys.sorted() {
                let value = metadata[key] ?? ""
                let shown = value.count > 200 ? String(value.prefix(200)) + "… (\(value.count) chars)" : value
                lines.append("  \(key.escapingControlCharacters): \(shown.escapingControlCharacters)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}

extension String {
    /// The text without the spaces a left-aligned last column pads it with.
    func trimmingTrailingSpaces() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return String(self[..<end])
    }
}
