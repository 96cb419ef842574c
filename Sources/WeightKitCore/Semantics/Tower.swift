/// The tower an FCOS centerness branch reads.
public enum Tower: String, Sendable, CaseIterable, Codable {
    /// The classification tower.
    case classification
    /// The box-regression tower.
    case regression
}
