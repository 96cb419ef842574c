import COpenBLAS
import Foundation
import Glibc

/// OpenBLAS builds with DYNAMIC_ARCH choose their kernels from the CPU model; on CPUs they do not recognise
/// (virtual machines often report a generic "Intel Xeon Processor") they fall back to generic SSE3 kernels
/// that run about 7x slower. OpenBLAS reads `OPENBLAS_CORETYPE` only when it loads, so a program that wants
/// the right kernels sets it from the CPU's instruction-set flags and starts again (see the CLI).
public enum BLASKernel {
    /// Kernels OpenBLAS falls back to when it cannot identify the CPU.
    static let genericCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "unknown"]

    /// The core type OpenBLAS loaded with.
    public static var loadedCore: String {
        String(cString: openblas_get_corename()).lowercased()
    }

    /// The core type to request, when OpenBLAS chose a generic one on a CPU with AVX2 or AVX-512; nil otherwise.
    public static func recommendedCoreType(cpuFlags: Set<String> = cpuFlags()) -> String? {
        guard genericCores.contains(loadedCore) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Restarts the current program once with `OPENBLAS_CORETYPE` set when OpenBLAS loaded generic kernels
    /// on a CPU that has AVX2 or AVX-512. For executables that run the forward pass; it returns when no
    /// restart is needed or the restart fails (the run then goes on with the generic kernels).
    public static func restartWithRecommendedCoreIfNeeded() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        var arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
    }

    /// The instruction-set flags of the first CPU in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
            if text.hasPrefix("flags") {
                return Set(text.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines)
                } ?? [])
            }
        }
        return []
    }
}
