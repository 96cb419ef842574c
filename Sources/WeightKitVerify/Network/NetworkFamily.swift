import WeightKitCore

/// One family of network parts WeightKit knows (a backbone such as ResNet or VoVNet, a neck such as FPN, a
/// dense or ROI head), in one conformance: how the part is recognised from canonical names and shapes, what
/// it records about itself, what the transforms need to know about it, and its forward pass. Recognition
/// and the forward pass live together, so they cannot disagree.
///
/// A new family is one file in `Families/` listed once in `NetworkFamilies.all`, with its layout file,
/// fixture and test.
package protocol NetworkFamily: Sendable {
    static var role: NetworkRole { get }

    /// The weights of the convolutions that would see the input image, where a file has them: what
    /// `--rgb`/`--bgr` reorder, even in a file too partial to recognise.
    static var inputConvolutions: [String] { get }

    /// Finds this family's part among canonical tensors (names and shapes; no values are read), given the
    /// parts recognised before it.
    ///
    /// - Returns: the part, or nil when the tensors hold none.
    /// - Throws: `WeightKitError` when the tensors hold the part but in a shape no network has.
    static func recognize(_ tensors: TensorCollection, after parts: [any NetworkFamily]) throws(WeightKitError) -> Self?

    /// Records what the part is: the architecture of a backbone, a neck's levels, a head's name.
    func describe(_ description: inout NetworkDescription)

    /// Adds what transforms need to know: the convolutions that see the input, norms that cannot fold.
    func declare(_ structure: inout NetworkStructure)

    /// Runs the part: reads the maps the parts before it produced and adds its outputs.
    func run(_ state: inout ForwardState) throws(WeightKitError)
}

extension NetworkFamily {
    package static var inputConvolutions: [String] { [] }

    package func declare(_ structure: inout NetworkStructure) {}
}
