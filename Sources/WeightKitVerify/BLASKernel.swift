import COpenBLAS
import Foundation
import Glibc
import WeightKitCore
import WeightKitFormats
import WeightKitLayouts

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

    /// The environment variable to set before OpenBLAS loads, when it chose generic kernels on a CPU that
    /// has better ones; nil when it needs none (or the variable is already set). Programs that run the
    /// forward pass set it and start again (the command line does; the library never restarts a process).
    public static func recommendedEnvironment() -> (name: String, value: String)? {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = recommendedCoreType() else { return nil }
        return ("OPENBLAS_CORETYPE", core)
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
