import CCaffe2Proto
import Glibc

/// A message decoded by libprotobuf-c, freed when this value goes away.
final class Caffe2Message<Message> {
    let pointer: UnsafeMutablePointer<Message>
    private let free: (UnsafeMutablePointer<Message>) -> Void

    private init(_ pointer: UnsafeMutablePointer<Message>, free: @escaping (UnsafeMutablePointer<Message>) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit { free(pointer) }

    var message: Message { pointer.pointee }

    static func netDef(_ bytes: UnsafeRawBufferPointer) -> Caffe2Message<Caffe2__NetDef>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let decoded = caffe2__net_def__unpack(nil, bytes.count, base)
        else { return nil }
        return Caffe2Message<Caffe2__NetDef>(decoded) { caffe2__net_def__free_unpacked($0, nil) }
    }

    static func tensorProtos(_ bytes: UnsafeRawBufferPointer) -> Caffe2Message<Caffe2__TensorProtos>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let decoded = caffe2__tensor_protos__unpack(nil, bytes.count, base)
        else { return nil }
        return Caffe2Message<Caffe2__TensorProtos>(decoded) { caffe2__tensor_protos__free_unpacked($0, nil) }
    }

    static func tensorProto(_ bytes: UnsafeRawBufferPointer) -> Caffe2Message<Caffe2__TensorProto>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let decoded = caffe2__tensor_proto__unpack(nil, bytes.count, base)
        else { return nil }
        return Caffe2Message<Caffe2__TensorProto>(decoded) { caffe2__tensor_proto__free_unpacked($0, nil) }
    }
}

/// Swift views of protobuf-c's (count, pointer) arrays and C strings.
enum ProtobufC {
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
