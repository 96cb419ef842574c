/// A file format WeightKit reads. The raw values are what `inspect` prints as the format.
public enum WeightFormat: String, Sendable, Codable, CaseIterable {
    /// safetensors, WeightKit's `vov.bin` included.
    case safetensors
    /// A torch zip checkpoint (`torch.save`, torch 1.6 and later).
    case pytorchZip = "pytorch-zip"
    /// A legacy torch stream (before torch 1.6).
    case pytorchLegacy = "pytorch-legacy"
    /// A TorchScript archive; its code is never interpreted.
    case torchScript = "torchscript"
    /// A Detectron or NumPy pickle (`.pkl`).
    case pickle
    /// A NumPy `.npy` array.
    case numpyNpy = "numpy-npy"
    /// A NumPy `.npz` archive of arrays.
    case numpyNpz = "numpy-npz"
    /// An MXNet NDArray file (`.params`).
    case mxnetParams = "mxnet-params"
    /// A Caffe2 protobuf (`init_net.pb`, TensorProtos).
    case caffe2Protobuf = "caffe2-protobuf"
    /// An ONNX model, read for its initializers.
    case onnx
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
        case .onnx: return (64, "PyTorch's limit; ONNX models are exported from PyTorch's modules and WeightKit's")
        }
    }
}
