extension Tensor {
    /// Calls `body` with every element as a `Double`, in C order. Complex tensors have no single real
    /// value per element and return false without calling `body`.
    ///
    /// - Parameter body: called once per element.
    /// - Returns: true when every element was passed to `body`, false for a complex tensor.
    @discardableResult
    public func forEachScalar(_ body: (Double) -> Void) -> Bool {
        data.withUnsafeBytes { bytes in
            func each<T>(_ type: T.Type, _ convert: (T) -> Double) {
                let count = bytes.count / MemoryLayout<T>.stride
                for index in 0..<count {
                    body(convert(bytes.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.stride, as: T.self)))
                }
            }
            switch dtype {
            case .float64: each(UInt64.self) { Double(bitPattern: UInt64(littleEndian: $0)) }
            case .float32: each(UInt32.self) { Double(Float(bitPattern: UInt32(littleEndian: $0))) }
            case .float16: each(UInt16.self) { Double(Float16(bitPattern: UInt16(littleEndian: $0))) }
            case .bfloat16: each(UInt16.self) { FloatingPointBits.double(fromBFloat16: UInt16(littleEndian: $0)) }
            case .float8_e4m3fn: each(UInt8.self) { FloatingPointBits.double(fromFloat8E4M3FN: $0) }
            case .float8_e5m2: each(UInt8.self) { FloatingPointBits.double(fromFloat8E5M2: $0) }
            case .int64: each(Int64.self) { Double(Int64(littleEndian: $0)) }
            case .int32: each(Int32.self) { Double(Int32(littleEndian: $0)) }
            case .int16: each(Int16.self) { Double(Int16(littleEndian: $0)) }
            case .int8: each(Int8.self) { Double($0) }
            case .uint64: each(UInt64.self) { Double(UInt64(littleEndian: $0)) }
            case .uint32: each(UInt32.self) { Double(UInt32(littleEndian: $0)) }
            case .uint16: each(UInt16.self) { Double(UInt16(littleEndian: $0)) }
            case .uint8: each(UInt8.self) { Double($0) }
            case .bool: each(UInt8.self) { $0 == 0 ? 0 : 1 }
            case .complex64, .complex128: return false
            }
            return true
        }
    }
}
