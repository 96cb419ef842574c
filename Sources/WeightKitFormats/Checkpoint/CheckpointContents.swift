import Foundation
import WeightKitCore

/// What a pickled checkpoint (torch or Detectron) holds: where the weights sit, which of its other values
/// are worth showing, and the facts it states about itself (its class names).
package struct CheckpointContents {
    /// Keys under which checkpoints nest the model's weights, in the order they are tried: training
    /// checkpoints' state dicts, and Detectron's `blobs`.
    static let weightKeys = ["model", "state_dict", "model_state", "module", "blobs"]
    /// Name endings of training buffers that are not weights (Detectron's momentum), shown only with `--all`.
    static let trainingBufferSuffixes = ["_momentum"]
    /// Non-tensor values deeper than this many keys are not metadata (optimizer internals).
    static let metadataDepth = 2
    static let maximumMetadataEntries = 256

    /// The tensors to read, each with its name and the record that describes it.
    var tensors: [(name: String, object: PickleObject)] = []
    var metadata: [String: String] = [:]
    var facts = SourceFacts()

    init(root: PickleValue, includeAll: Bool, maximumNesting: Int, budget: ReadBudget) throws(WeightKitError) {
        var pickledClasses = Set<ObjectIdentifier>(), classNames = Set<String>()
        let walker = PickleWalker(maximumNesting: maximumNesting, classify: { object in
            if object.isInert, pickledClasses.insert(ObjectIdentifier(object)).inserted {
                classNames.insert(object.type.description)
            }
            return Self.classify(object)
        }, members: Self.members, budget: budget)
        var weightsPath: [String] = []
        if !includeAll, case .dict(let dict) = root {
            for key in Self.weightKeys {
                guard let candidate = dict[key], try Self.holdsTensors(candidate, walker) else { continue }
                weightsPath = [key]
                facts.weightsKey = key
                break
            }
        }
        // The weights are what the weights key holds and any tensor stored directly beside it (nothing is
        // dropped for choosing the key); tensors nested in the other entries are training state (`--all`).
        var names = Set<String>()
        try walker.walk(root, enter: { path, _ in path.isEmpty || weightsPath.isEmpty || path.first == weightsPath.first }) {
            path, value throws(WeightKitError) in
            guard case .object(let object) = value else { return }
            let relative = !weightsPath.isEmpty && path.first == weightsPath.first ? Array(path.dropFirst()) : path
            let length = relative.reduce(relative.count - 1) { $0 + $1.utf8.count }
            try TensorCollection.checkNameLength(length)
            try budget.charge(bytes: length, for: "naming a tensor")
            let name = relative.joined(separator: ".")
            if !includeAll, Self.trainingBufferSuffixes.contains(where: name.hasSuffix) { return }
            guard names.insert(name).inserted else {
                throw WeightKitError(.malformed, "the tensor '\(name)' is stored both under '\(weightsPath.first ?? "")' and beside it")
            }
            tensors.append((name, object))
        }
        facts.classes = try Self.classNames(in: root, budget: budget)
        if !classNames.isEmpty {
            // Said so a user knows the file is a pickled program, not a state dict; nothing of it was run.
            facts.pickledObjects = Array(classNames.sorted().prefix(32))
        }
        metadata = try Self.metadata(of: root, besides: weightsPath, walker, budget: budget)
    }

    /// The longest metadata text kept: configs run to tens of kilobytes; a longer string is data, and
    /// one string referenced under every key must not be copied for each.
    static let maximumMetadataText = 256 << 10

    /// Scalars near the root, by their dotted paths, except under the weights' key.
    private static func metadata(
        of root: PickleValue, besides weightsPath: [String], _ walker: PickleWalker, budget: ReadBudget
    ) throws(WeightKitError) -> [String: String] {
        var metadata: [String: String] = [:]
        try walker.walk(root, enter: { path, _ in
            path.count < Self.metadataDepth && (weightsPath.isEmpty || path != weightsPath)
        }) { path, value throws(WeightKitError) in
            guard metadata.count < Self.maximumMetadataEntries, !path.isEmpty else { return }
            let keyLength = path.reduce(path.count - 1) { $0 + $1.utf8.count }
            guard keyLength <= TensorCollection.maximumNameLength, let size = PickleWalker.textSize(value) else { return }
            guard size <= Self.maximumMetadataText else {
                metadata[path.joined(separator: ".")] = "(\(size)-byte string, not shown)"
                return
            }
            try budget.charge(bytes: keyLength + size, for: "metadata")
            metadata[path.joined(separator: ".")] = PickleWalker.scalarText(value)
        }
        return metadata
    }

    /// Where checkpoints keep their class names: mmdetection 2.x `meta.CLASSES`, 3.x
    /// `meta.dataset_meta.classes`.
    static let classPaths = [["meta", "CLASSES"], ["meta", "dataset_meta", "classes"]]

    /// The class names at one of `classPaths`, if the checkpoint has them.
    static func classNames(in root: PickleValue, budget: ReadBudget) throws(WeightKitError) -> [String]? {
        for path in classPaths {
            var value: PickleValue? = root
            for key in path {
                guard case .dict(let dict)? = value else { value = nil; break }
                value = dict[key]
            }
            guard let items = value?.sequence, !items.isEmpty else { continue }
            var names: [String] = []
            for item in items {
                // Charged before decoding: a list of one memoised megabyte string is no list of class names.
                guard let size = PickleWalker.textSize(item), size <= TensorCollection.maximumNameLength else { return nil }
                try budget.charge(bytes: size + 4, for: "class names")
                guard let name = item.text else { return nil }
                names.append(name)
            }
            return names
        }
        return nil
    }

    private static func holdsTensors(_ value: PickleValue, _ walker: PickleWalker) throws(WeightKitError) -> Bool {
        switch value {
        case .dict, .object: break
        default: return false
        }
        var found = false
        try walker.walk(value, enter: { _, _ in !found }) { _, leaf throws(WeightKitError) in
            if case .object = leaf { found = true }
        }
        return found
    }

    /// Whether `object` is a tensor: a torch rebuild call or a NumPy array or scalar.
    static func isTensor(_ object: PickleObject) -> Bool {
        TorchTensorRecord.isTensor(object) || NumPyArrayRecord.isArray(object)
    }

    /// Tensors are leaves; TorchScript modules and namespaces are walked through their attributes, with a
    /// module's own tensors before its submodules, as `state_dict()` orders them.
    static func classify(_ object: PickleObject) -> PickleWalker.ObjectVisit {
        if isTensor(object) { return .leaf }
        guard case .dict? = object.state else { return .skip }
        return .members
    }

    /// The members of an object `classify` walks into, listed once per object.
    static func members(_ object: PickleObject, _ walker: PickleWalker) throws(WeightKitError) -> [(String, PickleValue)] {
        guard case .dict(let attributes)? = object.state else { return [] }
        if object.isInert, attributes["_parameters"] != nil || attributes["_modules"] != nil {
            return try moduleMembers(attributes, walker)
        }
        if object.type.module == "__torch__" || object.type.module.hasPrefix("__torch__.") {
            let own = attributes.entries.lazy.filter { isTensor($0.value) }
            let children = attributes.entries.lazy.filter { isModule($0.value) }
            return try walker.named(own) + walker.named(children)
        }
        return try walker.named(attributes.entries)
    }

    /// A pickled `nn.Module`'s tensors as `state_dict()` names them: its parameters, its persistent buffers,
    /// then its submodules, each under its attribute name.
    private static func moduleMembers(_ attributes: PickleDict, _ walker: PickleWalker) throws(WeightKitError)
        -> [(String, PickleValue)]
    {
        func entries(_ key: String) throws(WeightKitError) -> [(String, PickleValue)] {
            guard case .dict(let dict)? = attributes[key] else { return [] }
            return try walker.named(dict.entries.lazy.filter { !$0.value.isNone })
        }
        var nonPersistent = Set<String>()
        if case .set(let names)? = attributes["_non_persistent_buffers_set"] {
            // Many modules may share one memoised set: each listing of it is charged.
            try walker.budget?.charge(work: names.items.count, for: "reading \(names.items.count) buffer names")
            for name in names.items { if case .string(let text) = name { nonPersistent.insert(text) } }
        }
        return try entries("_parameters") + entries("_buffers").filter { !nonPersistent.contains($0.0) }
            + entries("_modules")
    }

    private static func isTensor(_ value: PickleValue) -> Bool {
        if case .object(let object) = value { return isTensor(object) }
        return false
    }

    private static func isModule(_ value: PickleValue) -> Bool {
        if case .object(let object) = value { return object.type.module.hasPrefix("__torch__") }
        return false
    }
}
