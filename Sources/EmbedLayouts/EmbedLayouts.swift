import Foundation
import PackagePlugin

/// Embeds schemas/layouts/*.json into the target it is applied to (WeightKitLayouts) at build time.
@main
struct EmbedLayouts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "schemas").appending(path: "layouts")
        let layouts = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" && !$0.lastPathComponent.hasSuffix(".schema.json") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedLayouts.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(layouts.count) layouts",
                executable: try context.tool(named: "LayoutEmbedder").url,
                arguments: [output.path] + layouts.map(\.path),
                inputFiles: layouts,
                outputFiles: [output])
        ]
    }
}
