/// What the network a canonical collection holds says about its tensors, beyond their names: found by the
/// network families (WeightKitVerify) and handed to the transforms and the layout engine, which know names
/// but not networks.
public struct NetworkStructure: Sendable, Equatable {
    /// The weights of the convolutions that see the input image, whose input channels `--rgb`/`--bgr`
    /// reorder.
    public var inputConvolutions: [String] = []
    /// The last block index of each backbone stage (`res2` -> 2), for layouts that name parts after them.
    public var lastBlockOfStage: [Int: Int] = [:]
    /// Norms that cannot fold into the convolution the naming rule pairs them with, and why.
    public var unfoldableNorms: [String: String] = [:]

    /// Creates an empty structure: what a collection with no recognised network gets.
    public init() {}
}
