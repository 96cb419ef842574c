import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts

/// The layout engine backwards: canonical names into every layout, from the same layout files.
@Suite struct TargetLayoutTests {
    /// Layouts whose names come from code, not rules (gluon exports are numbered by creation order), are
    /// not targets; `gluon` (the structural names) is.
    static let roundTrips = CanonicalLayoutTests.models.filter { $0.1 != "gluon-export-resnet-v1" }

    /// Rules that keep less than the source held (background rows, a gamma MXNet ignores, a softmax pair's
    /// two halves): the round trip gives back the same function, not the same bytes, for these tensors.
    static func lossy(_ rule: LayoutDefinition.Rule) -> Bool {
        rule.dropFirstRows != nil || rule.fill != nil || rule.softmaxPairsToLogits == true
    }

    /// Source -> canonical -> the source's own layout gives the source's names and bytes back, training
    /// state aside.
    @Test(arguments: roundTrips)
    func roundTripGivesTheSourceBack(file: String, layout: String) throws {
        let source = try WeightFile.read(Fixtures.path(file))
        let mapper = CanonicalMapper.standard
        let canonical = try mapper.map(source).collection
        let target = try TargetMapper().map(canonical, to: layout)
        #expect(target.layout == layout)
        let definition = try #require(mapper.layouts.first { $0.name == layout })
        let rules = mapper.rules(of: definition)
        let compiled = try rules.map { (rule) throws in
            (rule, try CanonicalMapper.compile(rule.match), CanonicalMapper.literalPrefix(of: rule.match))
        }
        let strip = (definition.stripPrefixes ?? []).filter { $0 == "module." }
        var expected: [String: (Tensor, Bool)] = [:]
        var canonicalName: [String: String] = [:]
        var notInvertible: [String] = []
        // Detectron's AffineChannel stores a scale and a bias only: statistics a file carries (SpatialBN
        // names) are folded into them, the same function in the form Detectron computes.
        let affine = layout == "detectron-caffe2" && source.names.contains { $0.hasSuffix("_bn_riv") }
        for tensor in source.tensors {
            var name = tensor.name
            for prefix in strip where name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
            var matchName = name
            for prefix in definition.stripPrefixes ?? [] where matchName.hasPrefix(prefix) { matchName.removeFirst(prefix.count) }
            guard let (index, captures) = CanonicalMapper.firstMatchIndex(matchName, compiled), rules[index].drop == nil,
                  let to = rules[index].to
            else { continue }
            let mapped = try NameTemplate(text: to).expand(captures)
            if rules[index].flattenToMatrix == true || RuleInverse(rules[index]) == nil {
                notInvertible.append(mapped)
                continue
            }
            if affine, name.hasSuffix("_rm") || name.hasSuffix("_riv") { continue }
            expected[name] = (tensor, Self.lossy(rules[index]) || affine)
            canonicalName[name] = mapped
        }
        // Names no rule can produce (a block number the canonical name does not carry) are reported.
        #expect(Set(notInvertible).isSubset(of: target.inexpressible), "\(file): \(notInvertible.prefix(4))")
        let written = Dictionary(uniqueKeysWithValues: target.collection.tensors.map { ($0.name, $0) })
        var missing = Set(expected.keys).subtracting(written.keys)
        var extra = Set(written.keys).subtracting(expected.keys)
        // Two source spellings of one canonical name (Detectron's `pred` and `fc1000` classifier): the
        // layout writes its first.
        for name in missing {
            guard let alias = extra.first(where: { candidate in
                var stripped = candidate
                for prefix in definition.stripPrefixes ?? [] where stripped.hasPrefix(prefix) { stripped.removeFirst(prefix.count) }
                guard let (index, captures) = CanonicalMapper.firstMatchIndex(stripped, compiled), let to = rules[index].to else { return false }
                return (try? NameTemplate(text: to).expand(captures)) == canonicalName[name]
            }) else { continue }
            missing.remove(name)
            extra.remove(alias)
            expected[alias] = (expected[name]!.0, expected[name]!.1)
            expected[name] = nil
        }
        #expect(missing.isEmpty && extra.isEmpty, "\(file): missing \(missing.sorted().prefix(6)), extra \(extra.sorted().prefix(6))")
        for (name, (original, lossy)) in expected {
            guard let tensor = written[name] else { continue }
            #expect(tensor.shape == original.shape && tensor.dtype == original.dtype, "\(file): \(name)")
            if !lossy {
                #expect(tensor.data.bytes == original.data.bytes, "\(file): \(name) bytes differ")
            }
        }
    }
}
