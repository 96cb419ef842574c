#ifndef WEIGHTKIT_COPENBLAS_SHIM_H
#define WEIGHTKIT_COPENBLAS_SHIM_H
// Debian installs cblas.h under openblas-pthread/; pkg-config adds that folder to the include path.
#include <cblas.h>
#endif
