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
        for node in graph.nodes where node.op == "BatchNorm" {
            // MXNet 1.x writes `attrs`; older files `attr` or `param`.
            let attributes = node.attrs ?? node.attr ?? node.param ?? [:]
            let eps = attributes["eps"].flatMap(Double.init) ?? 1e-3
            let fixGamma = (attributes["fix_gamma"] ?? "True").lowercased() == "true"
            norms.append(Norm(name: node.name, eps: eps, fixGamma: fixGamma))
        }
    }

    /// Records the norms' facts: one eps when every norm agrees, else the distinct values; the norms whose
    /// gamma is fixed to 1.
    func record(in facts: inout SourceFacts) {
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
