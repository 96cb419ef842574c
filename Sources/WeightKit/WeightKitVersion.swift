/// WeightKit's version: the one place it is stated (`weightkit --version`, CHANGELOG.md).
public enum WeightKitVersion {
    public static let current = "0.7.0"
}
