import Foundation
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

extension Verifier {
    /// The deterministic input image of `height` × `width`, reserved from `memory` first.
    ///
    /// - Parameters:
    ///   - height: the image's height in pixels.
    ///   - width: the image's width in pixels.
    ///   - memory: the plan the image is reserved in.
    /// - Returns: a 3-channel image, the same for the same size.
    /// - Throws: `WeightKitError` when the size has no pixels or does not fit in `memory`.
    public static func input(height: Int, width: Int, memory: ForwardMemory) throws(WeightKitError) -> FeatureMap {
        guard height > 0, width > 0 else {
            throw WeightKitError(.invalidArgument, "an input of \(height)x\(width) has no pixels")
        }
        return try memory.tracked(channels: 3, height: height, width: width, for: "the input image") {
            FeatureMap.deterministic(channels: 3, height: height, width: width)
        }
    }

    /// Proposals from a `.npy` file of shape (R, 4), `x1, y1, x2, y2` in pixels of a `height` x `width`
    /// input. Every number is checked: finite, ordered, within four input sizes of the image, at most 1,000
    /// boxes (a detector's usual proposal count), so a file cannot make the pooling trap or run unbounded.
    ///
    /// - Parameters:
    ///   - path: the `.npy` file.
    ///   - height: the input's height in pixels.
    ///   - width: the input's width in pixels.
    /// - Returns: the boxes, in file order.
    /// - Throws: `WeightKitError` naming the file when it is no (R, 4) array or a box is out of bounds.
    public static func boxes(fromNpy path: String, height: Int, width: Int) throws(WeightKitError) -> [RegionOfInterest] {
        let collection = try WeightFile.read(path)
        guard collection.format == .numpyNpy, let tensor = collection.tensors.first else {
            throw WeightKitError(.invalidArgument, "expected a .npy array of boxes", file: path)
        }
        let dims = tensor.shape.dimensions
        guard dims.count == 2, dims[1] == 4, (1...1_000).contains(dims[0]) else {
            throw WeightKitError(.invalidArgument, "expected boxes of shape (R, 4) with 1 to 1000 rows, got \(tensor.shape)", file: path)
        }
        var values: [Double] = []
        guard tensor.forEachScalar({ values.append($0) }) else {
            throw WeightKitError(.invalidArgument, "expected real numbers", file: path)
        }
        let reach = 4 * Double(max(height, width))
        var boxes: [RegionOfInterest] = []
        for row in 0..<dims[0] {
            let box = RegionOfInterest(x1: values[row * 4], y1: values[row * 4 + 1], x2: values[row * 4 + 2], y2: values[row * 4 + 3])
            let coordinates = [box.x1, box.y1, box.x2, box.y2]
            guard coordinates.allSatisfy({ $0.isFinite && abs($0) <= reach }), box.x2 >= box.x1, box.y2 >= box.y1 else {
                throw WeightKitError(.invalidArgument, "box \(row) (\(coordinates.map { String($0) }.joined(separator: ", "))) is not "
                    + "x1 <= x2, y1 <= y2 within four input sizes of the \(height)x\(width) input", file: path)
            }
            boxes.append(box)
        }
        return boxes
    }

    /// An array from a `.npy` file as a feature map: an image or feature map of shape (1, C, H, W) or
    /// (C, H, W), or a classifier's logits as frameworks save them, (1, classes) or (classes,), which become
    /// C x 1 x 1.
    ///
    /// - Parameters:
    ///   - path: the `.npy` file.
    ///   - memory: the plan the array is reserved in.
    ///   - finite: refuse NaN and infinite values (an input image must have none: a pass on it proves nothing).
    /// - Throws: `WeightKitError` naming the file when it is no such array.
    ///
    /// - Returns: the array as channels x height x width float32 values.
    public static func featureMap(
        fromNpy path: String, memory: ForwardMemory = ForwardMemory(), finite: Bool = false
    ) throws(WeightKitError) -> FeatureMap {
        let collection = try WeightFile.read(path)
        guard collection.format == .numpyNpy, let tensor = collection.tensors.first else {
            throw WeightKitError(.invalidArgument, "expected a .npy array", file: path)
        }
        var dims = tensor.shape.dimensions
        if dims.count == 4 || dims.count == 2, dims[0] == 1 { dims.removeFirst() }
        // Per-box maps (R, K, H, W), laid out as the mask and keypoint heads give them.
        if dims.count == 4 { dims = [dims[0], dims[1] &* dims[2], dims[3]] }
        if dims.count == 1 { dims += [1, 1] }
        // Per-box outputs (R, K), laid out as the box heads give them.
        if dims.count == 2 { dims.append(1) }
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
            throw WeightKitError(.invalidArgument, "expected shape (1, C, H, W), (C, H, W), logits (1, C) or per-box (R, K), got \(tensor.shape)",
                                 file: path)
        }
        do throws(WeightKitError) {
            return try memory.tracked(channels: dims[0], height: dims[1], width: dims[2], for: "the array") {
                () throws(WeightKitError) in
                var values: [Float] = []
                values.reserveCapacity(tensor.elementCount)
                guard tensor.forEachScalar({ values.append(Float($0)) }) else {
                    throw WeightKitError(.invalidArgument, "expected real numbers")
                }
                let nonFinite = finite ? values.count { !$0.isFinite } : 0
                guard nonFinite == 0 else {
                    throw WeightKitError(.invalidArgument, "holds \(nonFinite) NaN or infinite values; a pass on them proves nothing")
                }
                return FeatureMap(channels: dims[0], height: dims[1], width: dims[2], values: values)
            }
        } catch {
            throw error.inFile(path)
        }
    }
}

extension Verifier {
    /// The arrays a framework saved into `folder`, one `<output>.npy` per output of `model`'s network (other
    /// files, such as `input.npy`, are not outputs and are left alone). Where the framework also ran in
    /// float64 and saved `<output>.f64.npy`, that array is compared instead: its own rounding is then far
    /// below the noise floor, so the comparison measures WeightKit alone.
    ///
    /// - Throws: `WeightKitError` naming the folder when it holds no output of the network, or an array is
    ///   not readable.
    ///
    /// - Parameters:
    ///   - folder: the folder the framework saved its outputs in.
    ///   - model: the file whose network's outputs are looked for.
    ///   - memory: the plan the arrays are reserved in.
    /// - Returns: each saved output's name and array, in the network's output order.
    public static func savedOutputs(in folder: String, for model: Model, memory: ForwardMemory = ForwardMemory())
        throws(WeightKitError) -> [(name: String, value: FeatureMap)]
    {
        let names = try RecognizedNetwork(model.collection).outputNames(of: model.collection)
        var saved: [(name: String, value: FeatureMap)] = []
        for name in names {
            let candidates = [folder + "/" + name + ".f64.npy", folder + "/" + name + ".npy"]
            guard let path = candidates.first(where: { FileIdentity.of($0) != nil }) else { continue }
            saved.append((name, try featureMap(fromNpy: path, memory: memory)))
        }
        guard !saved.isEmpty else {
            throw WeightKitError(.invalidArgument, "holds no <output>.npy of this network's outputs (\(names.joined(separator: ", ")))",
                                 file: folder)
        }
        return saved
    }
}
