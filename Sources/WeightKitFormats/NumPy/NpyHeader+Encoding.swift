import WeightKitCore

extension NpyHeader {
    /// A format 1.0 header, padded with spaces to a multiple of 64 bytes and ended by a newline, as NumPy
    /// writes it.
    static func encoded(dtype: DType, dimensions: [Int]) throws(WeightKitError) -> [UInt8] {
        let (code, order) = try NumPyDType.code(for: dtype)
        let shape = dimensions.count == 1 ? "(\(dimensions[0]),)"
            : "(" + dimensions.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(order)\(code)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = magic.count + 4 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = text.utf8.count
        guard length <= Int(UInt16.max) else {
            throw WeightKitError(.unsupported, "shape \(dimensions) needs a .npy header longer than format 1.0 allows")
        }
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8)
    }
}
