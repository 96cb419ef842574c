/// How a container's tensor names are spelled (`weightkit.names`).
public enum Naming: String, Sendable, CaseIterable {
    /// The canonical layout (detectron2 / vovnet-detectron2 names) with recorded semantics.
    case canonical
    /// The names the source file uses.
    case source
}
