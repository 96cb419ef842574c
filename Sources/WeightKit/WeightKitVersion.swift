/// WeightKit's version: the one place it is stated (`weightkit --version`, CHANGELOG.md).
public enum WeightKitVersion {
    /// The version of this build, as `weightkit --version` prints it.
    public static let current = "0.7.0"
}
