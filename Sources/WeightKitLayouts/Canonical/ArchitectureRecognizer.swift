import WeightKitCore

/// Recognises the network a canonical collection holds (`NetworkTopology`) from its names and shapes, by
/// looking names up, never by scanning all of them per block or layer.
package enum ArchitectureRecognizer {
    /// Recognises `collection` and records what it found in its metadata.
    static func describe(_ collection: inout TensorCollection) {
        topology(of: collection).record(in: &collection)
    }

    package static func topology(of collection: TensorCollection) -> NetworkTopology {
        var topology = NetworkTopology()
        topology.backbone = resnet(collection) ?? vovnet(collection)
        topology.pyramidLevels = (2...5).filter { collection[CanonicalName.fpnLateral($0) + ".weight"] != nil }
        if !topology.pyramidLevels.isEmpty {
            topology.extraLevels = [6, 7].filter { collection[CanonicalName.topBlock($0) + ".weight"] != nil }
        }
        let prefixes: [(NetworkTopology.Head, [String])] = [
            (.rpn, [CanonicalName.rpnHead]), (.retinanet, CanonicalName.retinaNetHead), (.fcos, [CanonicalName.fcosHead]),
            (.box, [CanonicalName.boxHead, CanonicalName.boxPredictor]), (.mask, [CanonicalName.maskHead]),
            (.keypoint, [CanonicalName.keypointHead]),
            (.classifier, [CanonicalName.classifier + "."]),
        ]
        topology.heads = prefixes.filter { _, starts in
            collection.names.contains { name in starts.contains(where: name.hasPrefix) }
        }.map(\.0)
        return topology
    }

    /// ResNet/ResNeXt: blocks per stage from `resN.B.conv1`, bottleneck from `conv3`, groups and width from
    /// the first 3x3 convolution's shape.
    private static func resnet(_ collection: TensorCollection) -> NetworkTopology.Backbone? {
        guard collection[CanonicalName.resnetStem + ".weight"] != nil else { return nil }
        let blocks = (2...5).map { stage in
            var count = 0
            while collection[CanonicalName.resnetBlock(stage: stage, block: count) + "conv1.weight"] != nil { count += 1 }
            return count
        }
        guard blocks.allSatisfy({ $0 > 0 }) else { return nil }
        let first = CanonicalName.resnetBlock(stage: 2, block: 0)
        let bottleneck = collection[first + "conv3.weight"] != nil
        var groups: Int?, widthPerGroup: Int?
        if bottleneck, let conv1 = collection[first + "conv1.weight"], let conv2 = collection[first + "conv2.weight"],
           conv1.shape.rank == 4, conv2.shape.rank == 4, conv2.shape.dimensions[1] > 0
        {
            let width = conv1.shape.dimensions[0]
            groups = width / conv2.shape.dimensions[1]
            widthPerGroup = width / max(groups ?? 1, 1)
        }
        let preActivation = collection[first + "preact.norm.weight"] != nil
        return .resnet(blocks: blocks, bottleneck: bottleneck, groups: groups, widthPerGroup: widthPerGroup,
                       preActivation: preActivation)
    }

    /// VoVNet: OSA blocks per stage, layers per block, each stage's width, depthwise layers and eSE blocks.
    private static func vovnet(_ collection: TensorCollection) -> NetworkTopology.Backbone? {
        guard collection[CanonicalName.vovnetStem(1) + "/conv.weight"] != nil else { return nil }
        func firstConvolution(_ layer: String) -> (tensor: Tensor, depthwise: Bool)? {
            if let plain = collection[layer + "/conv.weight"] { return (plain, false) }
            return collection[layer + "/pw_conv1x1.weight"].map { ($0, true) }
        }
        var blocks: [Int] = [], channels: [Int] = [], layers = 0, eseBlocks = 0, depthwise = false
        for stage in 2...5 {
            var count = 0
            while let (first, dw) = firstConvolution(CanonicalName.osaLayer(stage: stage, block: count + 1, layer: 0)) {
                depthwise = depthwise || dw
                if count == 0 {
                    guard let width = first.shape.dimensions.first else { return nil }
                    channels.append(width)
                }
                if collection[CanonicalName.ese(stage: stage, block: count + 1) + ".weight"] != nil { eseBlocks += 1 }
                count += 1
            }
            blocks.append(count)
        }
        guard blocks.allSatisfy({ $0 > 0 }) else { return nil }
        while firstConvolution(CanonicalName.osaLayer(stage: 2, block: 1, layer: layers)) != nil { layers += 1 }
        return .vovnet(blocks: blocks, layersPerBlock: layers, stageChannels: channels, depthwise: depthwise,
                       eseBlocks: eseBlocks)
    }
}
