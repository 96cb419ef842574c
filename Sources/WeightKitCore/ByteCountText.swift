import Foundation

/// Byte counts as people read them: `512 MiB`, `3.2 GiB`, `96 bytes`.
public enum ByteCountText {
    /// A byte count in the largest binary unit that keeps it at least 1, with one decimal when not whole.
    ///
    /// - Parameter bytes: the count.
    /// - Returns: the text, as `96 bytes`, `512 MiB` or `3.2 GiB`.
    public static func describe(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        return "\(rounded) \(units[unit])"
    }

    /// Parses `512M`, `4G`, `1.5GiB`, `100000` (bytes); nil for anything else or a value that overflows.
    ///
    /// - Parameter text: the count, with an optional `K`, `M`, `G` or `T` suffix (`B`, `iB` allowed; binary units).
    /// - Returns: the count in bytes, or nil.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let suffix = trimmed.dropFirst(digits.count)
        let scale: Double
        switch suffix {
        case "", "B": scale = 1
        case "K", "KB", "KIB": scale = 1024
        case "M", "MB", "MIB": scale = 1024 * 1024
        case "G", "GB", "GIB": scale = 1024 * 1024 * 1024
        case "T", "TB", "TIB": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        guard let number = Double(digits), number > 0, number.isFinite else { return nil }
        let bytes = number * scale
        guard bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }
}
