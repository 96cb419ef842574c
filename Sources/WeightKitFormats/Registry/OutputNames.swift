import WeightKitCore

/// The tensor names an output may carry. They come from the source, which may be hostile, and become zip
/// member paths (`.npz`), pickle keys (`.pth`, `.pkl`), length-prefixed fields (`.params`) and JSON keys:
/// a name that could climb out of an archive's folder, hide behind a control character, be cut at a NUL
/// or stand for another name is refused, naming it, before anything is written.
package enum OutputNames {
    /// As long as the readers accept.
    static let maximumLength = TensorCollection.maximumNameLength

    /// Refuses the first name no output should carry, or two names that would be one member once
    /// extracted (`a/./b` and `a/b`; `Conv.weight` and `conv.weight`, which are one file where file names
    /// ignore case, as on macOS and Windows).
    package static func check(_ tensors: [OutputTensor], for format: WeightFormat) throws(WeightKitError) {
        var seen: [String: String] = [:]
        for tensor in tensors {
            let name = tensor.name
            if let problem = problem(with: name) {
                throw WeightKitError(.unsafe, "refused as an output name: \(problem)", location: .init(tensor: name))
            }
            let key = format == .numpyNpz ? memberPath(name).lowercased() : name
            if let other = seen.updateValue(name, forKey: key) {
                let reason = other == name
                    ? "two tensors would both be named '\(name)'"
                    : "'\(other)' and '\(name)' would be one member of the archive once extracted (where file names ignore case, too)"
                throw WeightKitError(.invalidArgument, reason)
            }
        }
    }

    /// What is wrong with `name` as an output name, or nil.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maximumLength { return "\(name.utf8.count) bytes is longer than the \(maximumLength) allowed" }
        if let scalar = name.unicodeScalars.first(where: isControl) {
            return scalar.value == 0 ? "it holds a NUL character" : "it holds a control character"
        }
        if name.hasPrefix("/") || name.hasPrefix("\\") || hasDriveLetter(name) {
            return "it is an absolute path"
        }
        if components(name).contains("..") { return "a '..' component would climb out of the archive's folder" }
        return nil
    }

    /// Path components as extraction tools see them: either slash separates.
    private static func components(_ name: String) -> [Substring] {
        name.split(separator: "/", omittingEmptySubsequences: false).flatMap {
            $0.split(separator: "\\", omittingEmptySubsequences: false)
        }
    }

    /// The member a name becomes once extracted: empty and `.` components fall away.
    private static func memberPath(_ name: String) -> String {
        components(name).filter { !$0.isEmpty && $0 != "." }.joined(separator: "/")
    }

    /// C0 and C1 controls and DEL, which terminals act on and C strings end at.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `C:` and the like, which Windows tools take as a drive.
    private static func hasDriveLetter(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars.prefix(2))
        return scalars.count == 2 && scalars[1] == ":" && scalars[0].isASCII && scalars[0].properties.isAlphabetic
    }
}
