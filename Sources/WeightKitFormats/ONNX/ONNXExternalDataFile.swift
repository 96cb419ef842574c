import WeightKitCore

/// The file beside an ONNX model that holds its initializers' bytes (ONNX's external data), each at an
/// offset that is a multiple of 4096 so a runtime can map it.
package final class ONNXExternalDataFile {
    static let alignment = 4096
    /// The name the model records: the file's name, relative to the model's folder.
    let location: String
    private let output: AtomicOutputFile

    /// - Parameters:
    ///   - output: the data file, committed or discarded by the caller.
    ///   - location: its name as the model records it, beside the model.
    package init(_ output: AtomicOutputFile, location: String) {
        self.output = output
        self.location = location
    }

    /// Appends `data` at the next aligned offset.
    ///
    /// - Returns: the offset the bytes start at.
    func append(_ data: TensorData) throws(WeightKitError) -> Int {
        let padding = (Self.alignment - output.bytesWritten % Self.alignment) % Self.alignment
        if padding > 0 { try output.write([UInt8](repeating: 0, count: padding)) }
        let offset = output.bytesWritten
        try output.write(data)
        return offset
    }
}
