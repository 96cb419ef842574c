import WeightKitCore

/// A metadata value computed while the data streams: a container with a header slot holds a placeholder of
/// the final length under `key` until `value` replaces it; the others ask for it before they start.
public struct DeferredValue {
    /// The metadata key the value goes under.
    public var key: String
    /// Computes the value; called once the data is written (or before, for containers without a slot).
    public var value: () throws(WeightKitError) -> String

    /// Creates a deferred value.
    ///
    /// - Parameters:
    ///   - key: the metadata key it goes under.
    ///   - value: computes it; its text must have the length of the placeholder a header slot holds.
    public init(key: String, value: @escaping () throws(WeightKitError) -> String) {
        self.key = key
        self.value = value
    }
}
