// Times WeightKit's reference forward pass: forward-benchmark FILE HEIGHT[xWIDTH] REPEATS
// Prints one JSON line: {"file", "size", "median_ms", "min_ms", "peak_mb"}. Driven by scripts/bench-forward.
import Foundation
import WeightKit

let arguments = CommandLine.arguments
let sides = arguments.count > 2 ? arguments[2].split(separator: "x").compactMap { Int($0) } : []
guard arguments.count == 4, (1...2).contains(sides.count), sides.allSatisfy({ $0 > 0 && $0 <= 4096 }),
      let repeats = Int(arguments[3]), repeats > 0
else {
    FileHandle.standardError.write(Data("usage: forward-benchmark FILE HEIGHT[xWIDTH] REPEATS\n".utf8))
    exit(2)
}
// As `weightkit verify` runs it.
ForwardMemory.reuseFreedMemory()
do {
    let memory = ForwardMemory()
    // WEIGHTKIT_PRECISION=float32 times the float32 pass (the noise estimate) instead of the reference.
    let precision: ForwardPrecision = ProcessInfo.processInfo.environment["WEIGHTKIT_PRECISION"] == "float32" ? .float32 : .reference
    let network = try Verifier.load(arguments[1], memory: memory).network(precision)
    let input = FeatureMap.deterministic(channels: 3, height: sides[0], width: sides.last ?? sides[0])
    _ = try network.run(input)
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try network.run(input)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    print(#"{"file": "\#(arguments[1])", "size": "\#(arguments[2])", "median_ms": \#(times[times.count / 2]), "min_ms": \#(times[0]), "peak_mb": \#(memory.peak >> 20)}"#)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
