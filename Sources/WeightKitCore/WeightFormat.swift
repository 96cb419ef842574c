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
    case onnx
}
