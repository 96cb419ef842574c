import WeightKitCore

/// One entry of the writer registry, the counterpart of `WeightFileReader`: the container it writes, the
/// output names that ask for it, and how it writes a document. The registry commits or discards the output;
/// a writer only writes.
package protocol WeightFileWriter {
    /// The container written; WeightKit's own reader of this format must read every file written.
    static var format: WeightFormat { get }
    /// Output name endings (without the dot) that choose this container, the preferred one first.
    static var fileExtensions: [String] { get }
    /// Whether the container has a header slot the document's deferred value can fill after the data;
    /// otherwise the value is computed before the writer starts.
    static var fillsDeferredValue: Bool { get }
    static func write(_ document: OutputDocument, to output: AtomicOutputFile) throws(WeightKitError)
}

extension WeightFileWriter {
    package static var fillsDeferredValue: Bool { false }
}
