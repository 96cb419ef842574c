import WeightKitCore

/// Opens weight files of any supported format, chosen by their content.
public enum WeightFile {
    /// How much of a file to read, and within which budget.
    public typealias ReadOptions = WeightKitCore.ReadOptions

    /// Maps `path` and reads its tensors with the reader its bytes call for.
    public static func read(_ path: String, options: ReadOptions = ReadOptions()) throws(WeightKitError)
        -> TensorCollection
    {
        let file = try MappedFile(path: path)
        do {
            return try read(file, options: options)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Reads the tensors of an already mapped file, choosing the reader from its content.
    public static func read(_ file: MappedFile, options: ReadOptions = ReadOptions()) throws(WeightKitError)
        -> TensorCollection
    {
        switch ContentSniffer.sniff(file.bytes) {
        case .safetensors: return try read(file, as: .safetensors, options: options)
        case .zipArchive: return try read(file, as: .pytorchZip, options: options)
        case .pytorchLegacy: return try read(file, as: .pytorchLegacy, options: options)
        case .pickle: return try read(file, as: .pickle, options: options)
        case .numpyNpy: return try read(file, as: .numpyNpy, options: options)
        case .mxnetParams: return try read(file, as: .mxnetParams, options: options)
        case .tarArchive:
            throw WeightKitError(.unsupported, "tar archives (torch <= 0.1 checkpoints) are recognised but not read")
        case .unrecognized(let description):
            guard Caffe2ProtobufReader.mayBeProtobuf(file.bytes) else {
                throw WeightKitError(.unsupported, "not a weight file WeightKit knows: \(description)")
            }
            let budget = options.budget(for: file)
            if let collection = try Caffe2ProtobufReader.read(file, budget: budget) {
                try charge(collection, to: budget)
                return collection
            }
            throw WeightKitError(
                .unsupported,
                "not a weight file WeightKit knows: \(description); it starts like a protobuf but decodes as none of Caffe2's NetDef, TensorProtos or TensorProto (truncated, or another schema)")
        }
    }

    /// Reads `file` with the reader of `format`, whatever its content says. Zip archives (`pytorchZip`,
    /// `torchScript`, `numpyNpz`) are told apart by their entries.
    public static func read(_ file: MappedFile, as format: WeightFormat, options: ReadOptions = ReadOptions())
        throws(WeightKitError) -> TensorCollection
    {
        let budget = options.budget(for: file)
        let collection = try read(file, as: format, options: options, budget: budget)
        try charge(collection, to: budget)
        return collection
    }

    /// Steps of work each tensor costs after reading: naming, mapping and writing it. Real checkpoints hold
    /// hundreds to thousands of tensors; a small file claiming millions of empty ones is refused here.
    static let workPerTensor = 4096

    /// Charges what the collection will cost downstream: its data (written out, views included) and its
    /// tensors.
    private static func charge(_ collection: TensorCollection, to budget: ReadBudget) throws(WeightKitError) {
        try budget.charge(bytes: collection.byteCount, for: "the data of \(collection.count) tensors")
        let (work, overflow) = collection.count.multipliedReportingOverflow(by: workPerTensor)
        try budget.charge(work: overflow ? Int.max : work, for: "handling \(collection.count) tensors")
    }

    private static func read(_ file: MappedFile, as format: WeightFormat, options: ReadOptions, budget: ReadBudget)
        throws(WeightKitError) -> TensorCollection
    {
        switch format {
        case .safetensors:
            return try SafetensorsReader.read(file, budget: budget)
        case .pytorchZip, .torchScript, .numpyNpz:
            let archive = try ZipArchive(file: file, budget: budget)
            if !archive.entries.isEmpty, archive.entries.allSatisfy({ $0.name.hasSuffix(".npy") }) {
                return try NumPyFileReader.readNpz(archive, budget: budget)
            }
            return try TorchZipReader.read(archive, options: options, budget: budget)
        case .pytorchLegacy:
            return try TorchLegacyReader.read(file, options: options, budget: budget)
        case .pickle:
            return try PickleFileReader.read(file, options: options, budget: budget)
        case .numpyNpy:
            return try NumPyFileReader.readNpy(file, budget: budget)
        case .mxnetParams:
            return try MXNetParamsReader.read(file, budget: budget)
        case .caffe2Protobuf:
            guard let collection = try Caffe2ProtobufReader.read(file, budget: budget) else {
                throw WeightKitError(.malformed, "decodes as none of Caffe2's NetDef, TensorProtos or TensorProto")
            }
            return collection
        }
    }
}
