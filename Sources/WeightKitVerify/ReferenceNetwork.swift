import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

/// A network rebuilt from canonical weights, run on one image: the reference forward pass.
public struct ReferenceNetwork {
    public enum Family: String, Sendable {
        case resnet, vovnet
    }

    let weights: NetworkWeights
    public let family: Family

    /// Recognises the backbone from canonical names; the weights' float32 copies and every map the pass
    /// makes are reserved from `memory` before they are allocated.
    public init(_ collection: TensorCollection, memory: ForwardMemory = ForwardMemory()) throws(WeightKitError) {
        weights = try NetworkWeights(collection, memory: memory)
        if weights.has(CanonicalName.resnetStem + ".weight") {
            family = .resnet
        } else if weights.has(CanonicalName.vovnetStem(1) + "/conv.weight") {
            family = .vovnet
        } else {
            throw WeightKitError(
                .unsupported, "no ResNet or VoVNet backbone under canonical names (convert with canonical names first)")
        }
    }

    /// Every named output, in network order: `stem`, `res2`..`res5` or `stage2`..`stage5`, `p2`..`p7`, the
    /// heads' per-level outputs (`fcos_*.pN`, `rpn.objectness.pN`, `rpn.deltas.pN`, `retina.cls.pN`,
    /// `retina.deltas.pN`), `logits`.
    public func run(_ input: FeatureMap, boxes: [RegionOfInterest] = []) throws(WeightKitError) -> [(name: String, value: FeatureMap)] {
        let backbone: Backbone
        switch family {
        case .resnet: backbone = try ResNetForward(weights: weights).run(input)
        case .vovnet: backbone = try VoVNetForward(weights: weights).run(input)
        }
        var outputs = backbone.outputs
        let pyramid = try FPNForward(weights: weights).run(backbone)
        outputs += pyramid
        outputs += try FCOSForward(weights: weights).run(pyramid)
        outputs += try RPNForward(weights: weights).run(pyramid)
        outputs += try RetinaNetForward(weights: weights).run(pyramid)
        outputs += try BoxHeadForward(weights: weights).run(pyramid, boxes: boxes)
        outputs += try MaskAndKeypointForward(weights: weights).run(pyramid, boxes: boxes)
        let fc = CanonicalName.classifier
        if weights.has(fc + ".weight"),
           let features = backbone.classifierInput ?? backbone.stages.max(by: { $0.key < $1.key })?.value
        {
            let logits = try weights.linear(Operations.globalAveragePool(features), fc)
            outputs.append(("logits", FeatureMap(channels: logits.count, height: 1, width: 1, values: logits)))
        }
        return outputs
    }
}

/// What a backbone produced: its named outputs in order, and each stage's output by its level (stage N
/// has stride 2^N), for the FPN and the classifier to take without parsing names.
struct Backbone {
    var outputs: [(String, FeatureMap)]
    var stages: [Int: FeatureMap] = [:]
    /// What a classifier reads when it is not the last stage's output (a pre-activation network's final
    /// norm and ReLU).
    var classifierInput: FeatureMap?

    mutating func add(stage: Int, name: String, _ map: FeatureMap) {
        outputs.append((name, map))
        stages[stage] = map
    }
}

/// ResNet / ResNeXt in detectron2 names; the stride sits where the source put it (`weightkit.stride_in`).
package struct ResNetForward {
    let weights: NetworkWeights
    let strideIn1x1: Bool

    init(weights: NetworkWeights) {
        self.weights = weights
        strideIn1x1 = weights.collection.semantics.strideIn != .threeByThree
    }

    private func convNorm(_ x: FeatureMap, _ name: String, stride: Int = 1, relu: Bool = true) throws(WeightKitError) -> FeatureMap {
        var y = try weights.convolution(x, weight: name + ".weight", bias: name + ".bias", stride: stride)
        try weights.normalize(&y, name + ".norm", relu: relu)
        return y
    }

    func run(_ input: FeatureMap) throws(WeightKitError) -> Backbone {
        var x = weights.has(CanonicalName.inputNorm + ".weight") ? try weights.copy(input) : input
        try weights.normalize(&x, CanonicalName.inputNorm)
        x = try convNorm(x, CanonicalName.resnetStem, stride: 2)
        x = try weights.maxPool(x, kernel: 3, stride: 2, padding: 1, ceilMode: false)
        var backbone = Backbone(outputs: [("stem", x)])
        for stage in 2...5 {
            var block = 0
            while weights.has(CanonicalName.resnetBlock(stage: stage, block: block) + "conv1.weight") {
                let p = CanonicalName.resnetBlock(stage: stage, block: block)
                let stride = stage > 2 && block == 0 ? 2 : 1
                if weights.has(p + "preact.norm.weight") {
                    x = try preActivationBlock(x, p, stride: stride)
                    block += 1
                    continue
                }
                let bottleneck = weights.has(p + "conv3.weight")
                var y: FeatureMap
                if bottleneck {
                    y = try convNorm(x, p + "conv1", stride: strideIn1x1 ? stride : 1)
                    y = try convNorm(y, p + "conv2", stride: strideIn1x1 ? 1 : stride)
                    y = try convNorm(y, p + "conv3", relu: false)
                } else {
                    y = try convNorm(x, p + "conv1", stride: stride)
                    y = try convNorm(y, p + "conv2", relu: false)
                }
                let shortcut = weights.has(p + "shortcut.weight") ? try convNorm(x, p + "shortcut", stride: stride, relu: false) : x
                try Operations.add(&y, shortcut)
                Operations.relu(&y)
                x = y
                block += 1
            }
            if block > 0 { backbone.add(stage: stage, name: "res\(stage)", x) }
        }
        if weights.has(CanonicalName.postActivationNorm + ".weight") {
            var final = try weights.copy(x)
            try weights.normalize(&final, CanonicalName.postActivationNorm)
            Operations.relu(&final)
            backbone.classifierInput = final
        }
        return backbone
    }

    /// A pre-activation (v2) bottleneck: norm-ReLU, then conv1, norm-ReLU, conv2 (with the stride), norm-ReLU,
    /// conv3, plus the input or a projection of the first activation.
    private func preActivationBlock(_ x: FeatureMap, _ p: String, stride: Int) throws(WeightKitError) -> FeatureMap {
        var activated = try weights.copy(x)
        try weights.normalize(&activated, p + "preact.norm")
        Operations.relu(&activated)
        var y = try convNorm(activated, p + "conv1")
        y = try convNorm(y, p + "conv2", stride: stride)
        y = try weights.convolution(y, weight: p + "conv3.weight", bias: p + "conv3.bias")
        let shortcut = weights.has(p + "shortcut.weight")
            ? try weights.convolution(activated, weight: p + "shortcut.weight", stride: stride) : x
        try Operations.add(&y, shortcut)
        return y
    }
}

/// VoVNet V1/V2 in vovnet-detectron2 names: plain or depthwise layers, eSE wherever its weights are, and the
/// identity added to every block after the first of a stage when the network is V2 (has eSE).
package struct VoVNetForward {
    let weights: NetworkWeights

    /// conv(+bias) -> norm -> relu for a `name/conv` module, or dw3x3 -> pw1x1 -> pw_norm -> relu.
    private func layer(_ x: FeatureMap, _ name: String, stride: Int = 1) throws(WeightKitError) -> FeatureMap {
        var y: FeatureMap
        if weights.has(name + "/dw_conv3x3.weight") {
            y = try weights.convolution(x, weight: name + "/dw_conv3x3.weight", stride: stride)
            y = try weights.convolution(y, weight: name + "/pw_conv1x1.weight", bias: name + "/pw_conv1x1.bias")
            try weights.normalize(&y, name + "/pw_norm", relu: true)
        } else {
            y = try weights.convolution(x, weight: name + "/conv.weight", bias: name + "/conv.bias", stride: stride)
            try weights.normalize(&y, name + "/norm", relu: true)
        }
        return y
    }

    /// The concat layer: conv -> norm -> relu over the channel concatenation of `features`.
    private func aggregate(_ features: [FeatureMap], _ name: String) throws(WeightKitError) -> FeatureMap {
        var y = try weights.convolution(concatenating: features, weight: name + "/conv.weight", bias: name + "/conv.bias")
        try weights.normalize(&y, name + "/norm", relu: true)
        return y
    }

    func run(_ input: FeatureMap) throws(WeightKitError) -> Backbone {
        var x = try layer(input, CanonicalName.vovnetStem(1), stride: 2)
        x = try layer(x, CanonicalName.vovnetStem(2))
        x = try layer(x, CanonicalName.vovnetStem(3), stride: 2)
        var backbone = Backbone(outputs: [("stem", x)])
        let residual = weights.collection.names.contains { $0.hasSuffix(".ese.fc.weight") }
        for stage in 2...5 {
            if stage > 2 { x = try weights.maxPool(x, kernel: 3, stride: 2, padding: 0, ceilMode: true) }
            var block = 1
            while true {
                let concat = CanonicalName.osaConcat(stage: stage, block: block)
                guard weights.has(concat + "/conv.weight") else { break }
                let identity = x
                var features = [x]
                var y = x
                let reduction = CanonicalName.osaReduction(stage: stage, block: block)
                if weights.has(reduction + "/conv.weight") { y = try layer(y, reduction) }
                var index = 0
                while weights.has(CanonicalName.osaLayer(stage: stage, block: block, layer: index) + "/conv.weight")
                    || weights.has(CanonicalName.osaLayer(stage: stage, block: block, layer: index) + "/dw_conv3x3.weight")
                {
                    y = try layer(y, CanonicalName.osaLayer(stage: stage, block: block, layer: index))
                    features.append(y)
                    index += 1
                }
                y = try aggregate(features, concat)
                let ese = CanonicalName.ese(stage: stage, block: block)
                if weights.has(ese + ".weight") {
                    let pooled = FeatureMap(channels: y.channels, height: 1, width: 1, values: Operations.globalAveragePool(y))
                    let gate = try weights.convolution(pooled, weight: ese + ".weight", bias: ese + ".bias")
                    guard gate.channels == y.channels else {
                        throw WeightKitError(.malformed, "eSE gives \(gate.channels) gates for \(y.channels) channels",
                                             location: .init(tensor: ese + ".weight"))
                    }
                    Operations.scaleChannels(&y, by: gate.values.map(Operations.hardSigmoid))
                }
                if residual, block > 1 { try Operations.add(&y, identity) }
                x = y
                block += 1
            }
            if block > 1 { backbone.add(stage: stage, name: "stage\(stage)", x) }
        }
        return backbone
    }
}

/// detectron2's FPN: lateral 1x1 and output 3x3 convs (each with its norm where it has one), nearest top-down
/// upsampling, and a top block:
/// P6/P7 convs (FCOS, RetinaNet) or P6 as a stride-2 subsample of P5 (RPN).
package struct FPNForward {
    let weights: NetworkWeights

    func run(_ backbone: Backbone) throws(WeightKitError) -> [(String, FeatureMap)] {
        let levels = (2...5).filter { weights.has(CanonicalName.fpnLateral($0) + ".weight") }
        guard !levels.isEmpty else { return [] }
        let byLevel = backbone.stages
        var results: [Int: FeatureMap] = [:]
        var previous: FeatureMap?
        for level in levels.reversed() {
            guard let feature = byLevel[level] else {
                throw WeightKitError(.malformed, "FPN level \(level) has no backbone stage to read")
            }
            var lateral = try weights.convolution(feature, weight: CanonicalName.fpnLateral(level) + ".weight",
                                                  bias: CanonicalName.fpnLateral(level) + ".bias")
            try weights.normalize(&lateral, CanonicalName.fpnLateral(level) + ".norm")
            if let previous {
                try Operations.add(&lateral, try weights.upsampleNearest(previous, height: lateral.height, width: lateral.width))
            }
            previous = lateral
            var output = try weights.convolution(lateral, weight: CanonicalName.fpnOutput(level) + ".weight",
                                                 bias: CanonicalName.fpnOutput(level) + ".bias")
            try weights.normalize(&output, CanonicalName.fpnOutput(level) + ".norm")
            results[level] = output
        }
        var outputs = levels.compactMap { level in results[level].map { ("p\(level)", $0) } }
        guard let top = levels.last, let topOutput = results[top], let topFeature = byLevel[top] else { return outputs }
        let p6Name = CanonicalName.topBlock(6), p7Name = CanonicalName.topBlock(7)
        if weights.has(p6Name + ".weight") {
            let p6Input = try weights.shape(p6Name + ".weight", rank: 4)[1] == topOutput.channels
                ? topOutput : topFeature
            let p6 = try weights.convolution(p6Input, weight: p6Name + ".weight", bias: p6Name + ".bias", stride: 2)
            outputs.append(("p6", p6))
            if weights.has(p7Name + ".weight") {
                var activated = try weights.copy(p6)
                Operations.relu(&activated)
                outputs.append(("p7", try weights.convolution(activated, weight: p7Name + ".weight",
                                                               bias: p7Name + ".bias", stride: 2)))
            }
        } else if weights.has(CanonicalName.rpnHead + "conv.weight") || weights.has(CanonicalName.rpnHead + "conv.conv0.weight") {
            outputs.append(("p6", try weights.maxPool(topOutput, kernel: 1, stride: 2, padding: 0, ceilMode: false)))
        }
        return outputs
    }
}

/// AdelaiDet's FCOS head on every pyramid level: classification and box towers of conv3x3 + GroupNorm(32) +
/// ReLU, then class logits, centerness (on the box tower, or the class tower where `weightkit.centerness_on`
/// says so) and box regression relu(scale * pred).
package struct FCOSForward {
    let weights: NetworkWeights
    let head = CanonicalName.fcosHead

    private func tower(_ x: FeatureMap, _ name: String) throws(WeightKitError) -> FeatureMap {
        var y = x
        var index = 0
        while weights.has(head + "\(name).\(index).weight") {
            let convolution = head + "\(name).\(index)"
            y = try weights.convolution(y, weight: convolution + ".weight", bias: convolution + ".bias")
            let norm = head + "\(name).\(index + 1)"
            if weights.has(norm + ".weight"), try weights.shape(norm + ".weight").count == 1 {
                Operations.groupNorm(&y, groups: Self.groups(y.channels), weight: try weights.vector(norm + ".weight", count: y.channels),
                                     bias: try weights.vector(norm + ".bias", count: y.channels), eps: 1e-5)
            }
            Operations.relu(&y)
            index += 3
        }
        return y
    }

    /// GroupNorm(32, C) as AdelaiDet builds it, or the largest divisor of C below 32 for narrow heads.
    static func groups(_ channels: Int) -> Int {
        (1...min(32, channels)).reversed().first { channels % $0 == 0 } ?? 1
    }

    func run(_ pyramid: [(String, FeatureMap)]) throws(WeightKitError) -> [(String, FeatureMap)] {
        guard weights.has(head + "cls_logits.weight") else { return [] }
        var outputs: [(String, FeatureMap)] = []
        for (level, (name, feature)) in pyramid.enumerated() {
            let classes = try tower(feature, "cls_tower")
            let boxes = try tower(feature, "bbox_tower")
            outputs.append(("fcos_cls_logits.\(name)", try weights.convolution(
                classes, weight: head + "cls_logits.weight", bias: head + "cls_logits.bias")))
            let centernessInput = weights.collection[.centernessOn] == "classification" ? classes : boxes
            outputs.append(("fcos_ctrness.\(name)", try weights.convolution(
                centernessInput, weight: head + "ctrness.weight", bias: head + "ctrness.bias")))
            var regression = try weights.convolution(boxes, weight: head + "bbox_pred.weight", bias: head + "bbox_pred.bias")
            if weights.has(head + "scales.\(level).scale") {
                let scale = try weights.vector(head + "scales.\(level).scale", count: 1)[0]
                for index in regression.values.indices { regression.values[index] *= scale }
            }
            Operations.relu(&regression)
            outputs.append(("fcos_bbox_pred.\(name)", regression))
        }
        return outputs
    }
}
