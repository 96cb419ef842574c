import WeightKitCore

/// Names the network a canonical collection holds (`resnet-50`, `resnext-101-32x8d`,
/// `vovnet-v2-39-ese`, with FPN and heads) from its names and shapes, and records it in metadata.
package enum ArchitectureRecognizer {
    static let bottom = "backbone.bottom_up."

    static func describe(_ collection: inout TensorCollection) {
        var parts: [String: String] = [:]
        if let resnet = resnet(collection) {
            parts = resnet
        } else if let vovnet = vovnet(collection) {
            parts = vovnet
        }
        let names = collection.names
        let laterals = Set(names.compactMap { name -> Int? in
            guard name.hasPrefix("backbone.fpn_lateral") else { return nil }
            return Int(name.dropFirst("backbone.fpn_lateral".count).prefix(while: \.isNumber))
        })
        if !laterals.isEmpty {
            var levels = laterals.sorted().map { "p\($0)" }
            if names.contains(where: { $0.hasPrefix("backbone.top_block.p6") }) { levels.append("p6") }
            if names.contains(where: { $0.hasPrefix("backbone.top_block.p7") }) { levels.append("p7") }
            parts["neck"] = "fpn(" + levels.joined(separator: ",") + ")"
        }
        var heads: [String] = []
        if names.contains(where: { $0.hasPrefix("proposal_generator.rpn_head.") }) { heads.append("rpn") }
        if names.contains(where: { $0.hasPrefix("proposal_generator.fcos_head.") }) { heads.append("fcos") }
        if names.contains(where: { $0.hasPrefix("roi_heads.box_head.") || $0.hasPrefix("roi_heads.box_predictor.") }) {
            heads.append("box")
        }
        if names.contains(where: { $0.hasPrefix("roi_heads.mask_head.") }) { heads.append("mask") }
        if names.contains(where: { $0.hasPrefix("head.fc.") }) { heads.append("classifier") }
        if !heads.isEmpty { parts["heads"] = heads.joined(separator: ",") }
        for (name, value) in parts {
            if let key = ContainerKey(semantic: name) { collection[key] = value }
        }
    }

    /// ResNet/ResNeXt: blocks per stage from `resN.B.conv1`, bottleneck from `conv3`, groups and width from
    /// the 3x3 conv's shape.
    private static func resnet(_ collection: TensorCollection) -> [String: String]? {
        guard collection[bottom + "stem.conv1.weight"] != nil else { return nil }
        var blocks: [Int] = []
        for stage in 2...5 {
            var count = 0
            while collection[bottom + "res\(stage).\(count).conv1.weight"] != nil { count += 1 }
            blocks.append(count)
        }
        guard blocks.allSatisfy({ $0 > 0 }) else { return nil }
        let bottleneck = collection[bottom + "res2.0.conv3.weight"] != nil
        let depth = bottleneck ? 2 + 3 * blocks.reduce(0, +) : 2 + 2 * blocks.reduce(0, +)
        var parts = ["architecture": "resnet-\(depth)", "depth": String(depth),
                     "blocks": blocks.map(String.init).joined(separator: ",")]
        if bottleneck, let conv1 = collection[bottom + "res2.0.conv1.weight"],
           let conv2 = collection[bottom + "res2.0.conv2.weight"],
           conv1.shape.rank == 4, conv2.shape.rank == 4, conv2.shape.dimensions[1] > 0
        {
            let width = conv1.shape.dimensions[0]
            let groups = width / conv2.shape.dimensions[1]
            parts["groups"] = String(groups)
            parts["width_per_group"] = String(width / max(groups, 1))
            if groups > 1 {
                parts["architecture"] = "resnext-\(depth)-\(groups)x\(width / groups)d"
            }
        }
        return parts
    }

    /// VoVNet: OSA blocks per stage, layers per block, channels, depthwise layers and where eSE sits.
    private static func vovnet(_ collection: TensorCollection) -> [String: String]? {
        guard collection[bottom + "stem.stem_1/conv.weight"] != nil else { return nil }
        var blocks: [Int] = [], layers = 0, eseBlocks = 0, totalBlocks = 0
        var depthwise = false
        var convChannels: [Int] = []
        for stage in 2...5 {
            var count = 0
            while true {
                let block = bottom + "stage\(stage).OSA\(stage)_\(count + 1)."
                let plain = collection[block + "layers.0.OSA\(stage)_\(count + 1)_0/conv.weight"]
                let dw = collection[block + "layers.0.OSA\(stage)_\(count + 1)_0/pw_conv1x1.weight"]
                guard let first = plain ?? dw else { break }
                if dw != nil { depthwise = true }
                if count == 0 {
                    guard let channels = first.shape.dimensions.first else { return nil }
                    convChannels.append(channels)
                    if stage == 2 {
                        let layer = { (index: Int) in block + "layers.\(index).OSA2_1_\(index)/" }
                        while collection[layer(layers) + "conv.weight"] != nil
                            || collection[layer(layers) + "pw_conv1x1.weight"] != nil
                        {
                            layers += 1
                        }
                    }
                }
                if collection[block + "ese.fc.weight"] != nil { eseBlocks += 1 }
                count += 1
            }
            blocks.append(count)
        }
        totalBlocks = blocks.reduce(0, +)
        guard blocks.allSatisfy({ $0 > 0 }) else { return nil }
        let depth: Int
        switch (blocks, layers) {
        case ([1, 1, 1, 1], 3): depth = 19
        case ([1, 1, 2, 2], 5): depth = 39
        case ([1, 1, 4, 3], 5): depth = 57
        case ([1, 3, 9, 3], 5): depth = 99
        default: depth = 0
        }
        let slim = convChannels.first.map { $0 < 128 } ?? false
        var name = eseBlocks > 0 ? "vovnet-v2" : "vovnet-v1"
        name += depth > 0 ? "-\(depth)" : "-custom"
        if slim { name += "-slim" }
        if depthwise { name += "-dw" }
        if eseBlocks > 0 { name += "-ese" }
        var parts = ["architecture": name, "blocks": blocks.map(String.init).joined(separator: ","),
                     "layers_per_block": String(layers),
                     "stage_channels": convChannels.map(String.init).joined(separator: ",")]
        if depth > 0 { parts["depth"] = String(depth) }
        if eseBlocks > 0 {
            parts["ese"] = eseBlocks == totalBlocks ? "every-block" : eseBlocks == 4 ? "last-block-of-stage" : "\(eseBlocks)-of-\(totalBlocks)-blocks"
        }
        return parts
    }
}
