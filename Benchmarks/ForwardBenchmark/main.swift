// Times WeightKit's reference forward pass: forward-benchmark FILE SIZE REPEATS
// Prints one JSON line: {"file", "size", "median_ms", "min_ms"}. Driven by scripts/bench-forward.
import Foundation
import WeightKit

// Measured with the kernels the command line would use: scripts/bench-forward sets OPENBLAS_CORETYPE.
if let (name, value) = BLASKernel.recommendedEnvironment() {
    FileHandle.standardError.write(Data("set \(name)=\(value) for the kernels weightkit uses\n".utf8))
    exit(2)
}
let arguments = CommandLine.arguments
guard arguments.count == 4, let size = Int(arguments[2]), let repeats = Int(arguments[3]), repeats > 0 else {
    FileHandle.standardError.write(Data("usage: forward-benchmark FILE SIZE REPEATS\n".utf8))
    exit(2)
}
do {
    let model = try Verifier.load(arguments[1])
    let input = FeatureMap.deterministic(channels: 3, height: size, width: size)
    _ = try model.network.run(input)
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try model.network.run(input)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    print(#"{"file": "\#(arguments[1])", "size": \#(size), "median_ms": \#(times[times.count / 2]), "min_ms": \#(times[0])}"#)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
