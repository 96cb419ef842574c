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
    case onnx
}
