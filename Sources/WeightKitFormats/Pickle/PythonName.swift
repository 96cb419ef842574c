import WeightKitCore

/// A global a pickle names: module and qualified name. A name, never code.
public struct PythonName: Hashable, Sendable, CustomStringConvertible {
    /// The module, as the pickle names it (Python 2 names mapped to Python 3's).
    public var module: String
    /// The qualified name within the module.
    public var name: String

    /// Creates a name.
    ///
    /// - Parameters:
    ///   - module: the module.
    ///   - name: the qualified name within it.
    public init(_ module: String, _ name: String) {
        self.module = module
        self.name = name
    }

    /// The dotted name, `module.name`.
    public var description: String { "\(module).\(name)" }
}
