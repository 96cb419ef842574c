/// Where a classifier puts its background class, in the canonical weights.
public enum ClassOrder: String, Sendable, CaseIterable, Codable {
    /// detectron2's order: the background is the last class (moved there from Caffe2's and torchvision's 0).
    case backgroundLast = "background-last"
    /// torchvision's RetinaNet and FCOS: class 0 is the background, never predicted, kept in place.
    case backgroundFirst = "background-first"
}
