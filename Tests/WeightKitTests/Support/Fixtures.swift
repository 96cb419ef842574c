import Crypto
import Foundation
import Testing
import WeightKitTestSupport

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// Paths of committed fixtures and the manifests their generating scripts wrote.
enum Fixtures {
    /// The repository's top folder.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let root = repository.appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    struct Manifest: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var sha256: String
        }

        var tensors: [String: Entry]
        var metadata: [String: String]
        /// Names in the order the framework lists them, where the script recorded it.
        var order: [String]?
    }

    static func manifest(_ relative: String) throws -> Manifest {
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    static func sha256(_ data: TensorData) -> String {
        data.withUnsafeBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks every tensor of `collection` against `manifest`: same names, dtypes, shapes and bytes.
    static func expectMatches(_ collection: TensorCollection, _ manifest: Manifest,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(collection.names) == Set(manifest.tensors.keys), sourceLocation: sourceLocation)
        if let order = manifest.order {
            #expect(collection.names == order, sourceLocation: sourceLocation)
        }
        for tensor in collection.tensors {
            guard let expected = manifest.tensors[tensor.name] else { continue }
            #expect(tensor.dtype.rawValue == expected.dtype, "\(tensor.name)", sourceLocation: sourceLocation)
            #expect(tensor.shape.dimensions == expected.shape, "\(tensor.name)", sourceLocation: sourceLocation)
            #expect(sha256(tensor.data) == expected.sha256, "\(tensor.name)", sourceLocation: sourceLocation)
        }
    }
}

/// The bytes of a safetensors file with `header` as its JSON and `data` after it.
func safetensorsBytes(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    var length = (declaredLength ?? UInt64(json.count)).littleEndian
    return withUnsafeBytes(of: &length) { Array($0) } + json + data
}
