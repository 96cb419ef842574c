/// What every canonical name shares, whatever the network (detectron2 and vovnet-detectron2 spelling): the
/// namespaces of the parts, and how a norm is named after the convolution it follows. The names of each
/// network's own tensors are built by its family (`WeightKitVerify/Families`).
///
/// A module prefix such as `res2.0.conv1` names a convolution's `.weight` and `.bias` and its norm
/// (`.norm.weight`, `.norm.running_var`, ...); VoVNet modules use `/conv`, `/norm`, `/dw_conv3x3`,
/// `/pw_conv1x1` and `/pw_norm` as vovnet-detectron2 does.
public enum CanonicalName {
    /// The backbone's own tensors.
    public static let bottomUp = "backbone.bottom_up."
    /// The neck's tensors (FPN), and the backbone's under `bottomUp`.
    public static let neck = "backbone."

    /// The convolution a canonical norm follows by the naming rule: `x.norm` follows `x`, `x/norm` follows
    /// `x/conv`, `x/pw_norm` follows `x/pw_conv1x1`. Whether that convolution exists is the caller's to check.
    ///
    /// - Parameter norm: a canonical norm's module name.
    /// - Returns: the convolution's weight and bias names, or nil when the name is no norm's.
    public static func convolution(forNorm norm: String) -> (weight: String, bias: String)? {
        for (suffix, convolution) in [("/norm", "/conv"), ("/pw_norm", "/pw_conv1x1"), (".norm", "")]
        where norm.hasSuffix(suffix) {
            let base = String(norm.dropLast(suffix.count)) + convolution
            return (base + ".weight", base + ".bias")
        }
        return nil
    }
}
