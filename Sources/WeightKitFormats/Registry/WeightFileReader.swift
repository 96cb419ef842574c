import WeightKitCore

/// One entry of the reader registry: the formats it produces, how it recognises its files from their first
/// bytes (never from their names), and how it reads them within the file's budget.
package protocol WeightFileReader {
    /// The name messages and fuzz targets use: `torch-zip`, `mxnet`, ...
    static var name: String { get }
    /// The formats this reader produces; `read(as:)` finds readers by them.
    static var formats: [WeightFormat] { get }
    /// Whether `bytes`, the start of a file, are this reader's.
    static func recognizes(_ bytes: UnsafeRawBufferPointer) -> Bool
    static func read(_ file: MappedFile, options: ReadOptions, budget: ReadBudget) throws(WeightKitError) -> TensorCollection
}
