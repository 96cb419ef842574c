import WeightKitCore

/// Opens weight files of any supported format, chosen by their content.
public enum WeightFile {
    /// How much of a file to read, and within which budget.
    public typealias ReadOptions = WeightKitCore.ReadOptions

    /// Maps `path` and reads its tensors with the reader its bytes call for.
    ///
    /// - Parameters:
    ///   - path: the weight file.
    ///   - options: which tensors to show and the budget to read within.
    /// - Returns: the tensors, as views into the mapping where the format allows, with metadata, semantics and
    ///   source facts.
    /// - Throws: `WeightKitError` naming the file when it cannot be opened, is no format WeightKit reads, is
    ///   malformed or unsafe, or exceeds its budget.
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

    /// Reads the tensors of an already mapped file with the first registered reader that recognises its
    /// bytes (`WeightFileRegistry`).
    ///
    /// - Parameters:
    ///   - file: the mapped weight file.
    ///   - options: which tensors to show and the budget to read within.
    /// - Returns: the tensors with metadata, semantics and source facts.
    /// - Throws: `WeightKitError` when no reader recognises the bytes, or the reader refuses them.
    public static func read(_ file: MappedFile, options: ReadOptions = ReadOptions()) throws(WeightKitError)
        -> TensorCollection
    {
        guard let reader = WeightFileRegistry.reader(for: file.bytes) else {
            throw WeightKitError(.unsupported, "not a weight file WeightKit knows: \(UnknownContent.describe(file.bytes))")
        }
        do {
            return try read(file, with: reader, options: options)
        } catch where reader == Caffe2ProtobufReader.self && error == Caffe2ProtobufReader.notCaffe2 {
            // Text happens to parse as protobuf fields; saying so would only mislead.
            let description = UnknownContent.describe(file.bytes)
            let protobuf = UnknownContent.isText(Array(file.bytes.prefix(512))) ? "" : "; it \(error.reason)"
            throw WeightKitError(.unsupported, "not a weight file WeightKit knows: \(description)\(protobuf)")
        }
    }

    /// Reads `file` with the reader of `format`, whatever its content says. Zip archives (`pytorchZip`,
    /// `torchScript`, `numpyNpz`) are told apart by their entries.
    ///
    /// - Parameters:
    ///   - file: the mapped weight file.
    ///   - format: the format to read it as.
    ///   - options: which tensors to show and the budget to read within.
    /// - Returns: the tensors with metadata, semantics and source facts.
    /// - Throws: `WeightKitError` when no reader produces `format`, or the reader refuses the bytes.
    public static func read(_ file: MappedFile, as format: WeightFormat, options: ReadOptions = ReadOptions())
        throws(WeightKitError) -> TensorCollection
    {
        guard let reader = WeightFileRegistry.reader(of: format) else {
            throw WeightKitError(.unsupported, "no reader produces \(format.rawValue)")
        }
        return try read(file, with: reader, options: options)
    }

    /// Reads `file` with `reader` within one budget for the whole read.
    package static func read(_ file: MappedFile, with reader: any WeightFileReader.Type, options: ReadOptions)
        throws(WeightKitError) -> TensorCollection
    {
        let budget = options.budget(for: file)
        var collection = try reader.read(file, options: options, budget: budget)
        try charge(collection, to: budget)
        try collection.adoptRecordedSemantics()
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
}
