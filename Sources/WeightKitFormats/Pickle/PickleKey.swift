import WeightKitCore

/// The hashable keys of Python dicts WeightKit meets: strings, numbers, None and small tuples of them.
package enum PickleKey: Hashable {
    case none
    case int(Int)
    case float(Double)
    case text(String)
    case bytes([UInt8])
    indirect case tuple([PickleKey])

    init?(_ value: PickleValue, depth: Int = 0) {
        switch value {
        case .none: self = .none
        case .bool(let flag): self = .int(flag ? 1 : 0)
        case .int(let number): self = .int(number)
        case .float(let number): self = .float(number)
        case .string, .binaryString, .utf8Text:
            guard let text = value.text else { return nil }
            self = .text(text)
        case .bytes(let data): self = .bytes(data.bytes)
        case .tuple(let tuple):
            guard depth < 8 else { return nil }
            var keys: [PickleKey] = []
            for item in tuple.items {
                guard let key = PickleKey(item, depth: depth + 1) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        default:
            return nil
        }
    }
}
