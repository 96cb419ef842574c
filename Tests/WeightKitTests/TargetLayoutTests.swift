import Foundation
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts

/// The layout engine backwards: canonical names into every layout, from the same layout files.
@Suite struct TargetLayoutTests {
    /// Every model fixture, gluon's auto-numbered exports included.
    static let roundTrips = CanonicalLayoutTests.models

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
        let compiled = try CanonicalMapper.compiled(rules, for: nil)
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
            if RuleInverse(rules[index]) == nil {
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

    /// Canonical names from a hostile file (numbers past 64 bits, numbers no expression reaches, names with
    /// control characters) are solved for without trapping and leave every target either written or refused.
    @Test func hostileCanonicalNamesNeverTrap() throws {
        var collection = TensorCollection(format: .safetensors)
        let one = TensorData([0, 0, 0x80, 0x3F])
        try collection.append(Tensor(name: "backbone.bottom_up.stem.conv1.weight", dtype: .float32, shape: Shape([1, 1, 1, 1]), data: one))
        let names = [
            "backbone.bottom_up.res99999999999999999999.0.conv1.weight",
            "backbone.bottom_up.res9223372036854775807.9223372036854775807.conv1.weight",
            "backbone.bottom_up.res-1.-1.conv1.weight",
            "backbone.fpn_lateral99999999999999999999.weight",
            "roi_heads.keypoint_head.conv_fcn9223372036854775807.weight",
            "roi_heads.keypoint_head.conv_fcn-3.weight",
            "head.cls_subnet.9223372036854775807.weight",
            "proposal_generator.fcos_head.cls_tower.-9223372036854775808.weight",
            "backbone.bottom_up.res2.0.conv1.norm.running_var\nerror: forged",
        ]
        for name in names {
            try collection.append(Tensor(name: name, dtype: .float32, shape: Shape([1]), data: one))
        }
        collection.naming = .canonical
        for target in TargetMapper().targetNames where target != "canonical" {
            do throws(WeightKitError) {
                let result = try TargetMapper().map(collection, to: target)
                // What is written is only what the names could express, each once.
                #expect(result.collection.count + result.inexpressible.count <= collection.count, "\(target)")
                #expect(Set(result.collection.names).count == result.collection.count, "\(target)")
            } catch {
                // A refusal is one clean line that names what it refused.
                #expect(!error.reason.isEmpty, "\(target)")
                #expect(!error.description.contains("\n"), "\(target): \(error)")
            }
        }
    }
}
