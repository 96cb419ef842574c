import CONNXProto
import CProtobufC
import Glibc
import WeightKitCore

/// Initializer bytes kept in files beside one model (`external_data`: location, offset, length). The
/// location is untrusted: it must name a file inside the model's folder, whatever links it goes through.
/// Each file is resolved and mapped once per read, however many initializers it holds.
final class ONNXExternalData {
    /// The folder the model's relative locations start from.
    private let folder: String
    private var files: [String: MappedFile] = [:]

    /// - Parameter modelPath: the model's own path.
    init(modelPath path: String) {
        if let slash = path.lastIndex(of: "/") {
            folder = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            folder = "."
        }
    }

    func bytes(_ proto: Onnx__TensorProto, count: Int) throws(WeightKitError) -> TensorData {
        var entries: [String: String] = [:]
        for entry in ProtobufC.messages(Int(proto.n_external_data), proto.external_data) {
            if let key = ProtobufC.string(entry.key) { entries[key] = ProtobufC.string(entry.value) ?? "" }
        }
        guard let location = entries["location"] else { throw WeightKitError(.malformed, "external data without a location") }
        let file = try mapped(location)
        guard let offset = Int(entries["offset"] ?? "0"), offset >= 0 else {
            throw WeightKitError(.malformed, "external data offset '\(entries["offset"] ?? "")' in '\(location)' is not a byte position")
        }
        if let length = entries["length"], Int(length) != count {
            throw WeightKitError(.malformed, "external data length \(length) in '\(location)' is not the \(count) bytes the tensor needs")
        }
        guard offset <= file.count, count <= file.count - offset else {
            throw WeightKitError(.malformed, "external data at \(offset) + \(count) bytes runs past the \(file.count) bytes of '\(location)'")
        }
        return TensorData(file: file, range: offset..<offset + count)
    }

    private func mapped(_ location: String) throws(WeightKitError) -> MappedFile {
        if let file = files[location] { return file }
        let file = try MappedFile(path: try Self.resolve(location, in: folder))
        files[location] = file
        return file
    }

    /// The real path of `location` under `folder`, refused when it is absolute, climbs out with `..`, or
    /// resolves (through symbolic links) to a file outside the folder.
    private static func resolve(_ location: String, in folder: String) throws(WeightKitError) -> String {
        let components = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.isEmpty, !location.hasPrefix("/"), !components.contains(".."), !location.utf8.contains(0) else {
            throw WeightKitError(.malformed, "external data location '\(location)' is not a file inside the model's folder")
        }
        guard let base = realPath(folder), let target = realPath(folder + "/" + location) else {
            throw WeightKitError(.io, "external data '\(location)' beside the model cannot be opened")
        }
        guard target.hasPrefix(base == "/" ? "/" : base + "/") else {
            throw WeightKitError(.malformed, "external data location '\(location)' leads outside the model's folder")
        }
        return target
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
