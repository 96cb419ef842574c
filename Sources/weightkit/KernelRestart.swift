import Glibc
import WeightKit

/// Starts `weightkit` again with the OpenBLAS kernels the CPU deserves (`BLASKernel.recommendedEnvironment`);
/// returns when none is needed or the restart fails, and the run goes on with the kernels it has.
enum KernelRestart {
    static func ifNeeded() {
        guard let (name, value) = BLASKernel.recommendedEnvironment() else { return }
        setenv(name, value, 1)
        var arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
    }
}
