import WeightKitCore

/// What each role of the allow-list builds when called.
extension PickleRun {
    /// `collections.OrderedDict(pairs)`: every pair is copied into the new dict.
    func orderedDict(_ arguments: [PickleValue]) throws(WeightKitError) -> PickleValue {
        let dict = try keep(PickleDict())
        if let items = arguments.first?.sequence {
            try copying(items.count, itemBytes: PickleDict.bytesPerEntry, "OrderedDict of \(items.count) pairs")
            try deepen(dict, by: items)
            for item in items {
                guard let pair = item.sequence, pair.count == 2 else { throw malformed("OrderedDict item is not a pair") }
                try set(pair[0], pair[1], in: dict)
            }
        }
        return .dict(dict)
    }

    /// `_codecs.encode(text, encoding)`: Python 3's bytes at protocol < 3 (latin-1), or UTF-8 bytes. What it
    /// builds is charged from the text's length before the text is decoded.
    func encode(_ arguments: [PickleValue]) throws(WeightKitError) -> PickleValue {
        let encoding = arguments.count > 1 ? arguments[1].text?.lowercased() : "utf-8"
        let latin1 = encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1"
        switch arguments.first {
        case .utf8Text(let utf8)? where latin1: return try latin1Bytes(utf8)
        // A Python 2 str is latin-1 text of its bytes: encoding it gives those bytes back, without a copy.
        case .binaryString(let raw)? where latin1: return .bytes(raw)
        default: break
        }
        guard latin1 || encoding == "utf-8" || encoding == "utf8" else {
            throw refused(.unsupported, "_codecs.encode with encoding '\(encoding ?? "?")'")
        }
        let cost = arguments.first?.hashCost ?? 0
        try work(cost, "decoding a string")
        try produce(cost, "_codecs.encode")
        guard let text = arguments.first?.text else { throw malformed("_codecs.encode without a string") }
        guard latin1 else { return .bytes(TensorData(Array(text.utf8))) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard scalar.value < 256 else { throw malformed("_codecs.encode: text is not latin-1") }
            bytes.append(UInt8(scalar.value))
        }
        return .bytes(TensorData(bytes))
    }

    /// Large latin-1 text (array data in disguise), decoded lazily and once per memoised string.
    private func latin1Bytes(_ utf8: TensorData) throws(WeightKitError) -> PickleValue {
        let key = utf8.viewKey
        if let key, let known = encoded[key] { return known }
        try work(utf8.count, "validating latin-1 text")
        guard let text = Latin1Text(utf8: utf8) else { throw malformed("_codecs.encode: text is not latin-1") }
        let bytes = PickleValue.bytes(TensorData(deferred: text))
        if let key { encoded[key] = bytes }
        return bytes
    }

    /// `set(items)` / `frozenset(items)`.
    func set(of arguments: [PickleValue], _ name: PythonName) throws(WeightKitError) -> PickleValue {
        let set = try keep(PickleList())
        if let first = arguments.first {
            guard let items = first.sequence ?? setItems(first) else { throw malformed("\(name) of a \(first.kindName)") }
            try copying(items.count, itemBytes: PickleList.bytesPerItem, "\(name) of \(items.count) items")
            set.depth = first.depth
            set.items = items
        }
        return .set(set)
    }

    private func setItems(_ value: PickleValue) -> [PickleValue]? {
        if case .set(let set) = value { return set.items }
        return nil
    }

    /// `bytearray(bytes)`, `bytes()`.
    func byteArray(_ arguments: [PickleValue]) throws(WeightKitError) -> PickleValue {
        guard let first = arguments.first else { return .bytes(TensorData([])) }
        guard let bytes = first.byteData else { throw malformed("bytearray of a \(first.kindName)") }
        return .bytes(bytes)
    }

    /// `tuple(items)`, `torch.Size(items)`.
    func tuple(of arguments: [PickleValue], _ name: PythonName) throws(WeightKitError) -> PickleValue {
        guard let first = arguments.first else { return try tuple([]) }
        guard let items = first.sequence else { throw malformed("\(name) of a \(first.kindName)") }
        try copying(items.count, itemBytes: PickleList.bytesPerItem, "\(name) of \(items.count) items")
        return .tuple(try keep(PickleTuple(items), from: first))
    }

    /// The first argument itself (`_rebuild_parameter(data, ...)`, `build_intlist(list)`).
    func firstArgument(_ arguments: [PickleValue], _ name: PythonName) throws(WeightKitError) -> PickleValue {
        guard let first = arguments.first else { throw malformed("\(name) without an argument") }
        return first
    }

    /// `torch._tensor._rebuild_from_type_v2(func, type, args, state)`: calls the allowed `func` with `args`.
    func rebuildFromType(_ arguments: [PickleValue], _ name: PythonName, depth: Int) throws(WeightKitError) -> PickleValue {
        guard arguments.count >= 3, let inner = arguments[2].sequence else {
            throw malformed("\(name) needs (function, type, arguments, state)")
        }
        return try call(arguments[0], inner, from: arguments[2], depth: depth + 1)
    }

    /// `copyreg._reconstructor(cls, base, state)`: an instance of `cls`.
    func reconstruct(_ arguments: [PickleValue], _ name: PythonName, depth: Int) throws(WeightKitError) -> PickleValue {
        guard let first = arguments.first, case .global = first else { throw malformed("\(name) without a class") }
        return try instantiate(first, [], depth: depth + 1)
    }
}
