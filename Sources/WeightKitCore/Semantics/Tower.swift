/// The tower an FCOS centerness branch reads.
public enum Tower: String, Sendable, CaseIterable, Codable {
    case classification
    case regression
}
