/// A file format WeightKit reads. The raw values are what `inspect` prints as the format.
public enum WeightFormat: String, Sendable, Codable, CaseIterable {
    case safetensors
    case pytorchZip = "pytorch-zip"
    case pytorchLegacy = "pytorch-legacy"
    case torchScript = "torchscript"
    case pickle
    case numpyNpy = "numpy-npy"
    case numpyNpz = "numpy-npz"
    case mxnetParams = "mxnet-params"
    case caffe2Protobuf = "caffe2-protobuf"
}

extension WeightFormat {
    /// The most dimensions a tensor of this format can have where it is used, and whose limit that is: a
    /// rank above it is no tensor any framework wrote, only a file making shapes expensive to carry.
    public var rankLimit: (rank: Int, source: String) {
        switch self {
        case .safetensors, .pytorchZip, .pytorchLegacy, .torchScript: return (64, "PyTorch's limit")
        case .pickle, .numpyNpy, .numpyNpz: return (64, "NumPy's NPY_MAXDIMS")
        case .mxnetParams: return (32, "NumPy 1.x's limit; MXNet arrays become NumPy arrays")
        case .caffe2Protobuf: return (32, "NumPy 1.x's limit; Caffe2 blobs are fetched as NumPy arrays")
        }
    }
}
