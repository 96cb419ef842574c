import WeightKitCore

/// A global a pickle names: module and qualified name. A name, never code.
public struct PythonName: Hashable, Sendable, CustomStringConvertible {
    public var module: String
    public var name: String

    public init(_ module: String, _ name: String) {
        self.module = module
        self.name = name
    }

    public var description: String { "\(module).\(name)" }
}
