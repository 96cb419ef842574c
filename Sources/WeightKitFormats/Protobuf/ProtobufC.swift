import CProtobufC
import Glibc
import WeightKitCore

/// Swift views of protobuf-c's (count, pointer) arrays and C strings.
package enum ProtobufC {
    static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        pointer.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) }
    }

    static func strings(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let pointer else { return [] }
        return (0..<count).compactMap { string(pointer[$0]) }
    }

    static func array<Element>(_ count: Int, _ pointer: UnsafeMutablePointer<Element>?) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(start: count > 0 ? pointer : nil, count: count > 0 && pointer != nil ? count : 0)
    }

    static func messages<Element>(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>?) -> [Element] {
        guard let pointer else { return [] }
        return (0..<count).compactMap { pointer[$0]?.pointee }
    }

    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }
}
