import Foundation
import WeightKitCore

/// What an MXNet `prefix-symbol.json` says about a checkpoint's norms: each BatchNorm's eps and whether its
/// gamma is fixed to 1 (`fix_gamma`, which MXNet's symbolic BatchNorm defaults to true, eps to 1e-3).
struct MXNetSymbol {
    struct Norm {
        var name: String
        var eps: Double
        var fixGamma: Bool
    }

    var norms: [Norm] = []
    /// Per branch index, the dilation of a trident unit's shared 3x3 convolution (`..._conv2_shared<i>`).
    var tridentDilations: [Int: Int] = [:]

    /// The most a symbol file may be: graphs of real networks are well under a megabyte.
    static let maximumLength = 16 << 20

    init(json: Data, budget: ReadBudget) throws(WeightKitError) {
        guard json.count <= Self.maximumLength else {
            throw WeightKitError(.limitExceeded, "symbol file of \(json.count) bytes is larger than \(Self.maximumLength)")
        }
        try budget.charge(bytes: json.count * 8, for: "decoding the MXNet symbol")
        struct Node: Decodable {
            var op: String
            var name: String
            var attrs: [String: String]?
            var attr: [String: String]?
            var param: [String: String]?
        }
        struct Graph: Decodable { var nodes: [Node] }
        let graph: Graph
        do {
            graph = try JSONDecoder().decode(Graph.self, from: json)
        } catch {
            throw WeightKitError(.malformed, "the MXNet symbol is not a graph of nodes: \(error)")
        }
        try budget.charge(values: graph.nodes.count, for: "\(graph.nodes.count) symbol nodes")
        for node in graph.nodes where node.op == "Convolution" {
            guard let branch = Self.tridentBranch(node.name) else { continue }
            let attributes = node.attrs ?? node.attr ?? node.param ?? [:]
            tridentDilations[branch] = attributes["dilate"].flatMap(Self.firstNumber) ?? 1
        }
        for node in graph.nodes where node.op == "BatchNorm" {
            // MXNet 1.x writes `attrs`; older files `attr` or `param`.
            let attributes = node.attrs ?? node.attr ?? node.param ?? [:]
            norms.append(Norm(name: node.name, eps: try Self.eps(attributes["eps"], node: node.name),
                              fixGamma: try Self.flag(attributes["fix_gamma"], node: node.name)))
        }
    }

    /// A BatchNorm's eps as MXNet parses it (a whole number text; 1e-3 when absent), refused unless it is a
    /// positive finite number: no norm divides by it otherwise.
    private static func eps(_ text: String?, node: String) throws(WeightKitError) -> Double {
        guard let text else { return 1e-3 }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
            throw WeightKitError(.malformed, "the MXNet symbol's BatchNorm '\(node)' has eps '\(text)', which is not a positive finite number")
        }
        return value
    }

    /// A boolean attribute as dmlc parses it (`true`/`false`/`1`/`0`, any case; true when absent, as
    /// `fix_gamma` defaults), refused otherwise: MXNet itself would not load the symbol.
    private static func flag(_ text: String?, node: String) throws(WeightKitError) -> Bool {
        guard let text else { return true }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw WeightKitError(.malformed, "the MXNet symbol's BatchNorm '\(node)' has fix_gamma '\(text)', which MXNet does not read as a boolean")
        }
    }

    /// The branch index of a trident unit's 3x3 convolution node (`stage3_unit2_conv2_shared1` -> 1); a
    /// handful of branches at most.
    private static func tridentBranch(_ name: String) -> Int? {
        guard name.hasPrefix("stage3_unit"), let range = name.range(of: "_conv2_shared"),
              let branch = Int(name[range.upperBound...]), (0..<4).contains(branch)
        else { return nil }
        return branch
    }

    /// The first integer of an MXNet tuple attribute (`(2, 2)` -> 2).
    private static func firstNumber(_ text: String) -> Int? {
        Int(text.drop { !$0.isNumber }.prefix { $0.isNumber })
    }

    /// Records the norms' facts: one eps when every norm agrees, else the distinct values; the norms whose
    /// gamma is fixed to 1; the trident branches' dilations.
    func record(in facts: inout SourceFacts) {
        let branches = tridentDilations.keys.sorted()
        if !branches.isEmpty, branches == Array(0..<branches.count) {
            facts.tridentDilations = branches.compactMap { tridentDilations[$0] }
        }
        guard !norms.isEmpty else { return }
        let epsValues = Set(norms.map(\.eps))
        if epsValues.count == 1, let eps = epsValues.first {
            facts.normEps = eps
        } else {
            facts.normEpsValues = epsValues.sorted()
        }
        let fixed = norms.filter(\.fixGamma).map(\.name)
        if !fixed.isEmpty { facts.fixGammaNorms = fixed }
    }
}
