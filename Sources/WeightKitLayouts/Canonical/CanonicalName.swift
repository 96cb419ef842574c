/// Builders of canonical tensor names (detectron2 and vovnet-detectron2 spelling): the one place the code
/// spells them. The layout files produce these names; the recognizer, folding, channel reordering and the
/// reference forward pass look them up through these builders.
///
/// A module prefix such as `res2.0.conv1` names a convolution's `.weight` and `.bias` and its norm
/// (`.norm.weight`, `.norm.running_var`, ...); VoVNet modules use `/conv`, `/norm`, `/dw_conv3x3`,
/// `/pw_conv1x1` and `/pw_norm` as vovnet-detectron2 does.
public enum CanonicalName {
    public static let bottomUp = "backbone.bottom_up."

    // MARK: ResNet / ResNeXt

    /// The stem convolution module.
    public static let resnetStem = bottomUp + "stem.conv1"
    /// MXNet's learned input normalisation (`bn_data`), kept before the stem.
    public static let inputNorm = bottomUp + "input_norm"

    /// A pre-activation (v2) network's norm after its last stage, before the classifier.
    public static let postActivationNorm = bottomUp + "postact.norm"

    /// The prefix of bottleneck or basic block `block` of stage `stage` (2...5), ending in a dot. A
    /// pre-activation (v2) block's input norm is `preact.norm` under it.
    public static func resnetBlock(stage: Int, block: Int) -> String {
        bottomUp + "res\(stage).\(block)."
    }

    // MARK: VoVNet

    /// Stem layer `index` (1...3).
    public static func vovnetStem(_ index: Int) -> String {
        bottomUp + "stem.stem_\(index)"
    }

    /// The OSA block's own name, `OSA{stage}_{block}` (blocks count from 1).
    public static func osa(stage: Int, block: Int) -> String {
        "OSA\(stage)_\(block)"
    }

    /// The prefix of OSA block `block` of stage `stage`, ending in a dot.
    public static func osaBlock(stage: Int, block: Int) -> String {
        bottomUp + "stage\(stage).\(osa(stage: stage, block: block))."
    }

    /// Layer `layer` (from 0) of an OSA block: a module with `/conv` or `/dw_conv3x3` + `/pw_conv1x1`.
    public static func osaLayer(stage: Int, block: Int, layer: Int) -> String {
        osaBlock(stage: stage, block: block) + "layers.\(layer).\(osa(stage: stage, block: block))_\(layer)"
    }

    /// The 1x1 convolution over the concatenated layers.
    public static func osaConcat(stage: Int, block: Int) -> String {
        osaBlock(stage: stage, block: block) + "concat.\(osa(stage: stage, block: block))_concat"
    }

    /// The 1x1 reduction some variants put before the layers.
    public static func osaReduction(stage: Int, block: Int) -> String {
        osaBlock(stage: stage, block: block) + "conv_reduction.\(osa(stage: stage, block: block))_reduction_0"
    }

    /// The block's effective squeeze-excitation 1x1 convolution (with bias).
    public static func ese(stage: Int, block: Int) -> String {
        osaBlock(stage: stage, block: block) + "ese.fc"
    }

    // MARK: FPN and heads

    public static func fpnLateral(_ level: Int) -> String { "backbone.fpn_lateral\(level)" }
    public static func fpnOutput(_ level: Int) -> String { "backbone.fpn_output\(level)" }
    /// The extra pyramid levels' convolutions (`p6`, `p7`).
    public static func topBlock(_ level: Int) -> String { "backbone.top_block.p\(level)" }

    public static let rpnHead = "proposal_generator.rpn_head."
    /// detectron2's RetinaNet head: `cls_subnet`, `bbox_subnet`, `cls_score`, `bbox_pred`.
    public static let retinaNetHead = ["head.cls_subnet.", "head.bbox_subnet.", "head.cls_score.", "head.bbox_pred."]
    public static let fcosHead = "proposal_generator.fcos_head."
    public static let boxHead = "roi_heads.box_head."
    public static let boxPredictor = "roi_heads.box_predictor."
    public static let maskHead = "roi_heads.mask_head."
    public static let keypointHead = "roi_heads.keypoint_head."
    /// A classification network's final linear layer.
    public static let classifier = "head.fc"

    /// The first convolutions of the canonical backbones, which see the input's channels.
    public static let firstConvolutions = [resnetStem + ".weight", vovnetStem(1) + "/conv.weight"]

    /// The convolution a canonical norm follows, if it has one: `x.norm` follows `x`, `x/norm` follows
    /// `x/conv`, `x/pw_norm` follows `x/pw_conv1x1`.
    public static func convolution(forNorm norm: String) -> (weight: String, bias: String)? {
        for (suffix, convolution) in [("/norm", "/conv"), ("/pw_norm", "/pw_conv1x1"), (".norm", "")]
        where norm.hasSuffix(suffix) {
            let base = String(norm.dropLast(suffix.count)) + convolution
            return (base + ".weight", base + ".bias")
        }
        return nil
    }
}
