import WeightKitCore
import WeightKitLayouts

extension CanonicalMapper {
    /// Maps `collection` to canonical names (`map`), then recognises the network under them and records what
    /// it is (`weightkit.architecture`, `.neck`, `.heads`, eSE placement).
    ///
    /// - Parameters:
    ///   - collection: tensors under a source's names.
    ///   - keepDropped: keep training state under its source name.
    /// - Returns: the mapping and the recognised network; the network is nil when no layout recognised the
    ///   names.
    /// - Throws: `WeightKitError` when mapping fails, a part is there in a shape no network has, or a tensor's
    ///   shape contradicts where the recognised network reads it.
    public func mapNetwork(_ collection: TensorCollection, keepDropped: Bool = false) throws(WeightKitError)
        -> (mapping: Result, network: RecognizedNetwork?)
    {
        var mapping = try map(collection, keepDropped: keepDropped)
        guard mapping.layout != nil else { return (mapping, nil) }
        let network = try RecognizedNetwork(mapping.collection)
        try network.checkShapes(of: mapping.collection)
        network.description.record(in: &mapping.collection)
        return (mapping, network)
    }

    /// The layout that recognises `collection` and what the network under its canonical names is, found
    /// from names and shapes without copying any data (what `inspect` shows).
    ///
    /// - Parameter collection: tensors under a source's names.
    /// - Returns: the layout's name and the network's description, or nil when no layout recognises the names.
    /// - Throws: `WeightKitError` when the names map but hold a part in a shape no network has.
    public func recognizeNetwork(_ collection: TensorCollection) throws(WeightKitError)
        -> (layout: String, network: NetworkDescription)?
    {
        guard let recognition = try recognize(collection) else { return nil }
        return (recognition.layout, try RecognizedNetwork(recognition.renamed).description)
    }
}
