import COpenBLAS
import Glibc
import WeightKitCore

/// OpenBLAS, loaded the first time a forward pass needs it.
///
/// Loading it here rather than linking it keeps its thread pool out of every other command, and lets the
/// pass choose before it loads: one thread per call (the pass splits the work over the cores itself), and,
/// when `OPENBLAS_CORETYPE` is unset, the kernels of the CPU's instruction set — OpenBLAS picks them from the
/// CPU model and falls back to generic SSE3 kernels (about 7x slower) on models it does not know, as virtual
/// machines often report.
package struct BLAS: @unchecked Sendable {
    // Function pointers into the loaded library, which stays loaded for the life of the process.
    let sgemm: weightkit_cblas_sgemm
    let sgemv: weightkit_cblas_sgemv
    let dgemm: weightkit_cblas_dgemm
    let dgemv: weightkit_cblas_dgemv
    /// The kernels OpenBLAS runs (its core name, lowercased).
    package let core: String

    /// The library, loaded once per process.
    package static func load() throws(WeightKitError) -> BLAS {
        try loaded.get()
    }

    /// The file names tried, in order.
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so"]

    private static let loaded: Result<BLAS, WeightKitError> = {
        if getenv("OPENBLAS_CORETYPE") == nil, let core = coreType(for: cpuFlags()) {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        guard let handle = libraryNames.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            return .failure(WeightKitError(
                .unsupported, "the forward pass needs OpenBLAS, which could not be loaded (\(libraryNames.joined(separator: ", "))); install libopenblas0"))
        }
        guard let sgemm = dlsym(handle, "cblas_sgemm"), let sgemv = dlsym(handle, "cblas_sgemv"),
              let dgemm = dlsym(handle, "cblas_dgemm"), let dgemv = dlsym(handle, "cblas_dgemv"),
              let corename = dlsym(handle, "openblas_get_corename"),
              let threads = dlsym(handle, "openblas_set_num_threads")
        else {
            return .failure(WeightKitError(.unsupported, "the OpenBLAS library found lacks cblas_sgemm, cblas_dgemm, their gemv or its own functions"))
        }
        unsafeBitCast(threads, to: weightkit_openblas_set_num_threads.self)(1)
        let name = unsafeBitCast(corename, to: weightkit_openblas_get_corename.self)().map { String(cString: $0) } ?? "unknown"
        return .success(BLAS(sgemm: unsafeBitCast(sgemm, to: weightkit_cblas_sgemm.self),
                             sgemv: unsafeBitCast(sgemv, to: weightkit_cblas_sgemv.self),
                             dgemm: unsafeBitCast(dgemm, to: weightkit_cblas_dgemm.self),
                             dgemv: unsafeBitCast(dgemv, to: weightkit_cblas_dgemv.self), core: name.lowercased()))
    }()

    /// The OpenBLAS core type for a CPU with `flags`: SkylakeX kernels with AVX-512, Haswell with AVX2 and FMA,
    /// nil (OpenBLAS's own choice) otherwise.
    static func coreType(for flags: Set<String>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The instruction-set flags of the first CPU in /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
            if text.hasPrefix("flags") {
                let list = text.split(separator: ":", maxSplits: 1).last ?? ""
                return Set(list.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
            }
        }
        return []
    }
}
