/// Where a part sits in a network, which is also the order the parts run in.
package enum NetworkRole: Int, Sendable, Comparable {
    case backbone, neck, denseHead, roiHead, classifier

    package static func < (lhs: NetworkRole, rhs: NetworkRole) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
