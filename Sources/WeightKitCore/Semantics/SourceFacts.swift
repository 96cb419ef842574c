/// What a reader found in a file about the file itself: facts that bear on what the weights compute (an
/// eps an MXNet symbol states, the norms whose gamma MXNet ignores, the class names a checkpoint carries),
/// and where in the file the weights were. Typed here; `source.*` strings only in a container's metadata.
public struct SourceFacts: Sendable, Equatable {
    /// The eps every norm uses, from the file's own network description (an MXNet symbol).
    public var normEps: Double?
    /// The distinct eps values, when the file's norms disagree.
    public var normEpsValues: [Double]?
    /// The norms whose gamma the framework ignores (MXNet `fix_gamma`), by their source names.
    public var fixGammaNorms: [String]?
    /// The class names the checkpoint carries, in the order of its classifier.
    public var classes: [String]?
    /// The key of a checkpoint dict the weights were under (`model`, `state_dict`, ...).
    public var weightsKey: String?
    /// Classes of pickled objects that were recorded, never instantiated (`torch.save(model)`).
    public var pickledObjects: [String]?
    /// The pickle protocol the file declares.
    public var pickleProtocol: Int?
    /// The folder every entry of a torch zip sits under.
    public var archivePrefix: String?
    /// A torch zip's declared byte order, when it is not little-endian.
    public var byteOrder: String?
    /// The weight file read from a release archive, and the symbol file found beside it.
    public var archiveMember: String?
    /// The MXNet `-symbol.json` found beside the weights.
    public var symbolFile: String?
    /// How an MXNet file names its arrays: `module` for `arg:`/`aux:` prefixes.
    public var mxnetNaming: String?
    /// The dilations of TridentNet's branches, from the file's network description (an MXNet symbol).
    public var tridentDilations: [Int]?

    /// Creates facts with nothing found yet.
    public init() {}

    /// The facts as a container's metadata records them (`source.weights_key`: `model`).
    public var recorded: [String: String] {
        var result: [String: String] = [:]
        result["source.norm_eps"] = normEps.map(WeightSemantics.format)
        result["source.norm_eps_varies"] = normEpsValues.map(WeightSemantics.text)
        result["source.fix_gamma_norms"] = fixGammaNorms?.joined(separator: ",")
        result["source.classes"] = classes.map(Self.jsonArray)
        result["source.weights_key"] = weightsKey
        result["source.pickled_objects"] = pickledObjects?.joined(separator: ", ")
        result["source.pickle_protocol"] = pickleProtocol.map(String.init)
        result["source.archive_prefix"] = archivePrefix
        result["source.byteorder"] = byteOrder
        result["source.archive_member"] = archiveMember
        result["source.symbol_file"] = symbolFile
        result["source.mxnet_naming"] = mxnetNaming
        result["source.trident_dilations"] = tridentDilations?.map(String.init).joined(separator: ",")
        return result
    }

    /// Strings as a JSON array, each escaped as JSON requires.
    ///
    /// - Parameter values: the strings.
    /// - Returns: the array's JSON text, as `["a","b"]`.
    public static func jsonArray(_ values: [String]) -> String {
        "[" + values.map(jsonString).joined(separator: ",") + "]"
    }

    static func jsonString(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}
