import WeightKitCore
import WeightKitLayouts

/// The RPN head on every pyramid level, as torchvision and detectron2 run it: one 3x3 convolution + ReLU
/// (torchvision's v2 head: two, `conv.conv0`, `conv.conv1`), then 1x1 convolutions for each anchor's
/// objectness logit and its four box deltas. Outputs `rpn.objectness.pN` (A channels) and
/// `rpn.deltas.pN` (4A channels, anchor by anchor).
package struct RPNForward {
    let weights: NetworkWeights
    let head = CanonicalName.rpnHead

    func run(_ pyramid: [(String, FeatureMap)]) throws(WeightKitError) -> [(String, FeatureMap)] {
        guard weights.has(head + "objectness_logits.weight") else { return [] }
        var convolutions = weights.has(head + "conv.weight") ? [head + "conv"] : []
        var index = 0
        while weights.has(head + "conv.conv\(index).weight") {
            convolutions.append(head + "conv.conv\(index)")
            index += 1
        }
        var outputs: [(String, FeatureMap)] = []
        for (name, feature) in pyramid {
            var hidden = feature
            for convolution in convolutions {
                hidden = try weights.convolution(hidden, weight: convolution + ".weight", bias: convolution + ".bias")
                Operations.relu(&hidden)
            }
            outputs.append(("rpn.objectness.\(name)", try weights.convolution(
                hidden, weight: head + "objectness_logits.weight", bias: head + "objectness_logits.bias")))
            outputs.append(("rpn.deltas.\(name)", try weights.convolution(
                hidden, weight: head + "anchor_deltas.weight", bias: head + "anchor_deltas.bias")))
        }
        return outputs
    }
}

/// The RetinaNet head on every pyramid level (detectron2's names): classification and box subnets of 3x3
/// convolutions + ReLU (torchvision's v2: GroupNorm(32) after each, at the next index), then `cls_score`
/// and `bbox_pred`. Outputs `retina.cls.pN` and `retina.deltas.pN`.
package struct RetinaNetForward {
    let weights: NetworkWeights

    /// The subnet's convolution indices in order: every index holding a 4-d weight.
    private func convolutions(_ subnet: String) throws(WeightKitError) -> [Int] {
        let prefix = "head.\(subnet)."
        var indices: [Int] = []
        for name in weights.collection.names where name.hasPrefix(prefix) && name.hasSuffix(".weight") {
            let middle = name.dropFirst(prefix.count).dropLast(".weight".count)
            // Indices past a few dozen are no RetinaNet subnet; a file can say anything.
            guard let index = Int(middle), (0..<256).contains(index), try weights.shape(name).count == 4 else { continue }
            indices.append(index)
        }
        return indices.sorted()
    }

    private func subnet(_ x: FeatureMap, _ subnet: String, _ indices: [Int]) throws(WeightKitError) -> FeatureMap {
        var y = x
        for index in indices {
            let convolution = "head.\(subnet).\(index)"
            y = try weights.convolution(y, weight: convolution + ".weight", bias: convolution + ".bias")
            let norm = "head.\(subnet).\(index + 1)"
            if weights.has(norm + ".weight"), try weights.shape(norm + ".weight").count == 1 {
                Operations.groupNorm(&y, groups: FCOSForward.groups(y.channels),
                                     weight: try weights.vector(norm + ".weight", count: y.channels),
                                     bias: try weights.vector(norm + ".bias", count: y.channels), eps: 1e-5)
            }
            Operations.relu(&y)
        }
        return y
    }

    func run(_ pyramid: [(String, FeatureMap)]) throws(WeightKitError) -> [(String, FeatureMap)] {
        guard weights.has("head.cls_score.weight"), weights.has("head.bbox_pred.weight") else { return [] }
        let classification = try convolutions("cls_subnet"), box = try convolutions("bbox_subnet")
        var outputs: [(String, FeatureMap)] = []
        for (name, feature) in pyramid {
            outputs.append(("retina.cls.\(name)", try weights.convolution(
                try subnet(feature, "cls_subnet", classification), weight: "head.cls_score.weight", bias: "head.cls_score.bias")))
            outputs.append(("retina.deltas.\(name)", try weights.convolution(
                try subnet(feature, "bbox_subnet", box), weight: "head.bbox_pred.weight", bias: "head.bbox_pred.bias")))
        }
        return outputs
    }
}

/// The Fast R-CNN box head on given proposals: each box pooled (ROIAlign, 7x7) from the pyramid level its
/// size picks, with the semantics of the file's source framework (`weightkit.roi_align`), then the head
/// (torchvision/detectron2 2fc, or v2's 4conv+norm then fc) and the predictor. Outputs `box.cls_score`
/// (R x classes, background last as detectron2 orders them) and `box.bbox_pred`, laid out as (R, K)
/// arrays.
package struct BoxHeadForward {
    let weights: NetworkWeights
    static let poolSize = 7

    func run(_ pyramid: [(String, FeatureMap)], boxes: [RegionOfInterest]) throws(WeightKitError) -> [(String, FeatureMap)] {
        let predictor = CanonicalName.boxPredictor, head = CanonicalName.boxHead
        guard !boxes.isEmpty, weights.has(predictor + "cls_score.weight"),
              let pooler = RoIPooler(weights: weights, pyramid: pyramid)
        else { return [] }
        var scores = PerBoxOutput("box.cls_score", boxes: boxes.count), deltas = PerBoxOutput("box.bbox_pred", boxes: boxes.count)
        for box in boxes {
            var features = try weights.numberedConvolutions(try pooler.pool(box, size: Self.poolSize), head + "conv").values
            var index = 1
            while weights.has(head + "fc\(index).weight") {
                features = try weights.linear(features, head + "fc\(index)").map { max($0, 0) }
                index += 1
            }
            let score = try weights.linear(features, predictor + "cls_score"), delta = try weights.linear(features, predictor + "bbox_pred")
            try scores.append(FeatureMap(channels: 1, height: score.count, width: 1, values: score), memory: weights.memory)
            try deltas.append(FeatureMap(channels: 1, height: delta.count, width: 1, values: delta), memory: weights.memory)
        }
        return [scores.output, deltas.output]
    }
}

/// One output per box gathered into an (R, ...) map, one box per channel. The whole map is reserved in the
/// forward memory when the first box's size is known, before it grows.
struct PerBoxOutput {
    private let name: String
    private let boxes: Int
    private var values: [Float] = []
    private var reservation: ForwardMemory.Reservation?
    private var shape = (height: 0, width: 0)

    init(_ name: String, boxes: Int) {
        self.name = name
        self.boxes = boxes
    }

    mutating func append(_ map: FeatureMap, memory: ForwardMemory) throws(WeightKitError) {
        let height = map.channels &* map.height
        if reservation == nil {
            let (count, overflow) = boxes.multipliedReportingOverflow(by: map.values.count)
            reservation = try memory.reserve(overflow ? Int.max : count, of: MemoryLayout<Float>.size, for: "\(name) of \(boxes) boxes")
            shape = (height, map.width)
            values.reserveCapacity(count)
        }
        guard shape == (height, map.width) else {
            throw WeightKitError(.malformed, "\(name) changed shape from one box to the next")
        }
        values += map.values
    }

    var output: (String, FeatureMap) {
        var map = FeatureMap(channels: values.isEmpty ? 0 : boxes, height: shape.height, width: shape.width, values: values)
        map.reservation = reservation
        return (name, map)
    }
}

/// Pools boxes from p2..p5 (the max-pooled p6 is for the RPN only) with the file's ROIAlign semantics.
struct RoIPooler {
    let weights: NetworkWeights
    let levels: [Int: FeatureMap]
    let range: ClosedRange<Int>
    let semantics: RoIAlignSemantics

    init?(weights: NetworkWeights, pyramid: [(String, FeatureMap)]) {
        var levels: [Int: FeatureMap] = [:]
        for (name, map) in pyramid {
            if name.hasPrefix("p"), let level = Int(name.dropFirst()), (2...5).contains(level) { levels[level] = map }
        }
        guard let lowest = levels.keys.min(), let highest = levels.keys.max() else { return nil }
        self.weights = weights
        self.levels = levels
        range = lowest...highest
        semantics = weights.collection[.roiAlign].flatMap(RoIAlignSemantics.init(rawValue:)) ?? .detectron2
    }

    func pool(_ box: RegionOfInterest, size: Int) throws(WeightKitError) -> FeatureMap {
        let level = semantics.level(of: box, levels: range)
        guard let map = levels[level] else {
            throw WeightKitError(.malformed, "the pyramid has no level p\(level) for a box's size")
        }
        return try weights.memory.tracked(channels: map.channels, height: size, width: size, for: "a pooled box") {
            FeatureMap(channels: map.channels, height: size, width: size, values: Operations.roiAlign(
                map, box: box, scale: 1 / Double(1 << level), output: size,
                samplingRatio: semantics.samplingRatio, aligned: semantics.aligned))
        }
    }
}

/// The mask head (`mask.logits`: R x classes x 28 x 28) and the keypoint head (`keypoint.logits`:
/// R x keypoints x 56 x 56) on given proposals pooled at 14 x 14: 3x3 convolutions + ReLU (with norms where
/// the file has them), then the mask head's 2x2 transposed convolution + ReLU and 1x1 predictor, or the
/// keypoint head's 4x4 stride-2 transposed convolution and bilinear x2 upsampling.
package struct MaskAndKeypointForward {
    let weights: NetworkWeights

    private func transposed(_ x: FeatureMap, _ name: String, stride: Int, padding: Int) throws(WeightKitError) -> FeatureMap {
        let shape = try weights.shape(name + ".weight", rank: 4)
        guard shape[0] == x.channels, shape[1] > 0, shape[2] == shape[3], (1...8).contains(shape[2]) else {
            throw WeightKitError(.malformed, "transposed convolution \(shape) does not take \(x.channels) channels",
                                 location: .init(tensor: name + ".weight"))
        }
        let out = (x.height - 1) * stride - 2 * padding + shape[2]
        return try weights.memory.tracked(channels: shape[1], height: max(out, 0), width: max(out, 0), for: "the output of \(name)") {
            () throws(WeightKitError) in
            Operations.convTranspose2d(x, weight: try weights.floats(name + ".weight"), outChannels: shape[1], kernel: shape[2],
                                       stride: stride, padding: padding,
                                       bias: try weights.optionalVector(name + ".bias", count: shape[1]))
        }
    }

    func run(_ pyramid: [(String, FeatureMap)], boxes: [RegionOfInterest]) throws(WeightKitError) -> [(String, FeatureMap)] {
        let mask = CanonicalName.maskHead, keypoint = "roi_heads.keypoint_head."
        let hasMask = weights.has(mask + "predictor.weight"), hasKeypoint = weights.has(keypoint + "score_lowres.weight")
        guard !boxes.isEmpty, hasMask || hasKeypoint, let pooler = RoIPooler(weights: weights, pyramid: pyramid) else { return [] }
        var outputs: [(String, FeatureMap)] = []
        if hasMask {
            var logits = PerBoxOutput("mask.logits", boxes: boxes.count)
            for box in boxes {
                var y = try weights.numberedConvolutions(try pooler.pool(box, size: 14), mask + "mask_fcn")
                y = try transposed(y, mask + "deconv", stride: 2, padding: 0)
                Operations.relu(&y)
                try logits.append(try weights.convolution(y, weight: mask + "predictor.weight", bias: mask + "predictor.bias"),
                                  memory: weights.memory)
            }
            outputs.append(logits.output)
        }
        if hasKeypoint {
            var logits = PerBoxOutput("keypoint.logits", boxes: boxes.count)
            for box in boxes {
                let y = try transposed(try weights.numberedConvolutions(try pooler.pool(box, size: 14), keypoint + "conv_fcn"),
                                       keypoint + "score_lowres", stride: 2, padding: 1)
                try logits.append(try weights.memory.tracked(channels: y.channels, height: y.height * 2, width: y.width * 2,
                                                             for: "upsampling keypoints") {
                    Operations.upsampleBilinear(y, factor: 2)
                }, memory: weights.memory)
            }
            outputs.append(logits.output)
        }
        return outputs
    }
}

extension NetworkWeights {
    /// The fully connected layer `name` (`[out, in]` weight, optional bias) on `input`, its shape checked.
    func linear(_ input: [Float], _ name: String) throws(WeightKitError) -> [Float] {
        let shape = try self.shape(name + ".weight")
        guard shape.count == 2, shape[0] > 0, shape[1] == input.count else {
            throw WeightKitError(.malformed, "\(shape) does not take \(input.count) features", location: .init(tensor: name + ".weight"))
        }
        try Self.checkBLASDimensions(shape, name + ".weight")
        return Operations.linear(input, weight: try floats(name + ".weight"),
                                 bias: try optionalVector(name + ".bias", count: shape[0]), outFeatures: shape[0],
                                 blas: blas)
    }

    /// `prefix1`, `prefix2`, ... while they exist: a 3x3 convolution each, its norm where the file has one
    /// (`prefixN.norm`), then ReLU (the box head's 4conv, the mask and keypoint heads).
    func numberedConvolutions(_ x: FeatureMap, _ prefix: String) throws(WeightKitError) -> FeatureMap {
        var y = x
        var index = 1
        while has(prefix + "\(index).weight") {
            y = try convolution(y, weight: prefix + "\(index).weight", bias: prefix + "\(index).bias")
            try normalize(&y, prefix + "\(index).norm", relu: true)
            index += 1
        }
        return y
    }
}
