import Foundation
import WeightKitCore

/// Writes safetensors files: the header first, then each tensor's bytes in header order, produced one
/// tensor at a time so that memory stays near the largest tensor rather than the whole file. The header
/// holds the document's deferred value as a placeholder of its final length, filled in after the data.
package enum SafetensorsWriter: WeightFileWriter {
    package static let format = WeightFormat.safetensors
    package static let fileExtensions = ["safetensors"]
    package static let fillsDeferredValue = true

    /// Writes the document's tensors in the header's data order: larger elements first, so every tensor is
    /// aligned to its element size.
    package static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError) {
        let entries = document.tensors
        let header = try SafetensorsHeader(laying: entries.map { ($0.name, $0.dtype, $0.shape) }, metadata: document.metadata)
        let (bytes, slot) = try header.encoded(slot: document.deferred?.key)
        var length = UInt64(bytes.count).littleEndian
        try output.write(withUnsafeBytes(of: &length) { Array($0) } + bytes)
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let total = header.entries.last?.dataOffsets.upperBound ?? 0
        var written = 0
        document.progress?(0, total)
        for described in header.entries {
            guard let entry = byName[described.name] else { continue }
            let data = try entry.bytes()
            guard data.count == described.dataOffsets.count else {
                throw WeightKitError(
                    .malformed, "produced \(data.count) bytes where \(described.dataOffsets.count) were announced",
                    location: .init(tensor: entry.name))
            }
            try output.write(data)
            written += data.count
            document.progress?(written, total)
        }
        if let deferred = document.deferred, let slot {
            let value = Array(try deferred.value().utf8)
            guard value.count == slot.count else {
                throw WeightKitError(.invalidArgument, "'\(deferred.key)' changed length after the header was written")
            }
            try output.overwrite(value, at: 8 + slot.lowerBound)
        }
    }
}
