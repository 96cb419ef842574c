import Foundation
import WeightKit

// Under libFuzzer (WEIGHTKIT_FUZZ) the fuzzer's runtime brings its own main.
#if !WEIGHTKIT_FUZZ
@main
package struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, FuzzTarget.all.contains(name) else {
            print("usage: WeightKitFuzz {\(FuzzTarget.all.joined(separator: "|"))} FILE...")
            return
        }
        let target = FuzzTarget(name: name)
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { target.run($0) }
            print("ok \(path)")
        }
    }
}
#endif
