import Foundation
import PackagePlugin

/// Embeds schemas/layouts/*.json, the one source of WeightKit's layouts, into the target it is applied to
/// (WeightKitLayouts) at build time, so the binary carries its rules with no resource bundle beside it.
///
/// The build runs `/bin/sh` to write the Swift source, so an edited layout is embedded by the next build. A
/// tool executable of this package is avoided on purpose: it would be built with whatever flags the package
/// is (a fuzzing build links libFuzzer's `main` into every executable). The list of files is read when the
/// build is planned: after adding a layout file, `touch Package.swift` (the tests notice a missing one).
@main
struct EmbedLayouts: BuildToolPlugin {
    /// Writes `EmbeddedLayouts.documents`: each file's name and text in a raw string literal. A layout holding
    /// `"""######` would end its literal early and fail to compile, never embed something else.
    static let script = #######"""
        output="$1"; shift
        {
          printf '// Generated at build time by the EmbedLayouts plugin from schemas/layouts/*.json; not committed.\n\n'
          printf '/// The layout definitions shipped with WeightKit, as the JSON text of each file.\n'
          printf 'package enum EmbeddedLayouts {\n    static let documents: [(file: String, text: String)] = [\n'
          for layout in "$@"; do
            printf '        ("%s", ######"""\n%s\n"""######),\n' "$(basename "$layout")" "$(cat "$layout")"
          done
          printf '    ]\n}\n'
        } > "$output"
        """#######

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "schemas").appending(path: "layouts")
        let layouts = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" && !$0.lastPathComponent.hasSuffix(".schema.json") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedLayouts.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(layouts.count) layouts",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", Self.script, "embed-layouts", output.path] + layouts.map(\.path),
                inputFiles: layouts,
                outputFiles: [output])
        ]
    }
}
