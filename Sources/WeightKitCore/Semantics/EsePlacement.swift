/// Which VoVNet blocks carry effective squeeze-excitation.
public enum EsePlacement: Sendable, Equatable {
    /// vovnet-detectron2 and CenterMask.
    case everyBlock
    /// timm.
    case lastBlockOfStage
    /// Any other pattern, by count.
    case blocks(Int, of: Int)

    /// `every-block`, `last-block-of-stage`, `N-of-M-blocks`.
    public var text: String {
        switch self {
        case .everyBlock: "every-block"
        case .lastBlockOfStage: "last-block-of-stage"
        case .blocks(let count, let total): "\(count)-of-\(total)-blocks"
        }
    }

    /// Reads a placement from its text form.
    ///
    /// - Parameter text: `every-block`, `last-block-of-stage` or `N-of-M-blocks` (N at most M).
    public init?(text: String) {
        switch text {
        case "every-block": self = .everyBlock
        case "last-block-of-stage": self = .lastBlockOfStage
        default:
            let parts = text.split(separator: "-")
            guard parts.count == 4, parts[1] == "of", parts[3] == "blocks", let count = Int(parts[0]), let total = Int(parts[2]),
                  count >= 0, total >= count
            else { return nil }
            self = .blocks(count, of: total)
        }
    }
}
