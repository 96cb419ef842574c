/// The norm a framework's backbone uses; all compute `(x - mean) / sqrt(var + eps) * weight + bias` at
/// inference, with the statistics a file holds or synthesises.
public enum NormKind: String, Sendable, CaseIterable, Codable {
    /// torch `BatchNorm2d`, gluon and MXNet `BatchNorm`, SyncBN.
    case batchNorm = "batch-norm"
    /// detectron2, maskrcnn-benchmark and torchvision detection's `FrozenBatchNorm2d`.
    case frozenBatchNorm = "frozen-batch-norm"
    /// Caffe2's `AffineChannel` (`x * scale + bias`): WeightKit synthesises mean 0 and variance 1 - eps.
    case affineChannel = "affine-channel"
}
