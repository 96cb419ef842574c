import WeightKitCore

/// The readers and writers WeightKit has. Readers are asked in order and the first that recognises a file
/// reads it; protobufs carry no magic, so Caffe2's reader, which only checks that the bytes could start a
/// message, comes last. Writers are chosen by format.
package enum WeightFileRegistry {
    package static let readers: [any WeightFileReader.Type] = [
        ZipWeightReader.self, TorchLegacyReader.self, NumPyFileReader.self, MXNetParamsReader.self,
        SafetensorsReader.self, PickleFileReader.self, TarArchiveRefusal.self, ONNXReader.self, Caffe2ProtobufReader.self,
    ]

    /// The containers WeightKit writes, safetensors (the default) first.
    package static let writers: [any WeightFileWriter.Type] = [
        SafetensorsWriter.self, TorchCheckpointWriter.self, NumPyPickleWriter.self, NpzWriter.self,
        MXNetParamsWriter.self,
    ]

    /// The reader whose files start with `bytes`, or nil.
    package static func reader(for bytes: UnsafeRawBufferPointer) -> (any WeightFileReader.Type)? {
        readers.first { $0.recognizes(bytes) }
    }

    /// The reader that produces `format`.
    package static func reader(of format: WeightFormat) -> (any WeightFileReader.Type)? {
        readers.first { $0.formats.contains(format) }
    }

    /// The reader called `name`.
    package static func reader(named name: String) -> (any WeightFileReader.Type)? {
        readers.first { $0.name == name }
    }

    /// The writer of `format`.
    package static func writer(of format: WeightFormat) -> (any WeightFileWriter.Type)? {
        writers.first { $0.format == format }
    }
}
