// Writes the Swift source that embeds WeightKit's layout files in the library, so the rules ship inside the
// binary with one source of truth (schemas/layouts/*.json). Run by the EmbedLayouts build plugin:
// LayoutEmbedder OUTPUT.swift LAYOUT.json...
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: LayoutEmbedder OUTPUT.swift LAYOUT.json...\n".utf8))
    exit(2)
}
var source = """
    // Generated at build time by the EmbedLayouts plugin from schemas/layouts/*.json; not committed.

    /// The layout definitions shipped with WeightKit, as the JSON text of each file.
    package enum EmbeddedLayouts {
        static let documents: [(file: String, text: String)] = [

    """
for path in arguments.dropFirst().sorted(by: { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }) {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("error: \(path): not readable UTF-8\n".utf8))
        exit(1)
    }
    // A raw string delimiter longer than any run of '#' in the text, so no content can end the literal.
    var longest = 0, run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    let name = (path as NSString).lastPathComponent
    source += "        (\"\(name)\", \(hashes)\"\"\"\n\(text.trimmingCharacters(in: .newlines))\n\"\"\"\(hashes)),\n"
}
source += "    ]\n}\n"
do {
    try source.write(toFile: output, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("error: \(output): \(error)\n".utf8))
    exit(1)
}
