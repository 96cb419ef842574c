/// Bytes stored in another form (text, a compressed or encoded run) that a reader decodes on demand.
package protocol DeferredBytes: Sendable {
    /// The number of decoded bytes.
    var count: Int { get }
    func decoded() -> [UInt8]
}
