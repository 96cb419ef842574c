import WeightKitCore

/// A metadata value computed while the data streams: a container with a header slot holds a placeholder of
/// the final length under `key` until `value` replaces it; the others ask for it before they start.
public struct DeferredValue {
    public var key: String
    public var value: () throws(WeightKitError) -> String

    public init(key: String, value: @escaping () throws(WeightKitError) -> String) {
        self.key = key
        self.value = value
    }
}
