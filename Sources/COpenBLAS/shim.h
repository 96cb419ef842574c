#ifndef WEIGHTKIT_COPENBLAS_SHIM_H
#define WEIGHTKIT_COPENBLAS_SHIM_H
// OpenBLAS is loaded at run time (dlopen) by the forward pass, not linked: linked, it starts its thread
// pool when any weightkit command starts, and the idle thread spins for ~0.1 s on a core the command needs.
// The header gives the functions' types; Debian and Ubuntu install it under openblas-pthread/, Fedora
// under openblas/.
#if __has_include(<openblas-pthread/cblas.h>)
#include <openblas-pthread/cblas.h>
#elif __has_include(<openblas/cblas.h>)
#include <openblas/cblas.h>
#else
#include <cblas.h>
#endif

typedef __typeof__(&cblas_sgemm) weightkit_cblas_sgemm;
typedef __typeof__(&cblas_sgemv) weightkit_cblas_sgemv;
typedef __typeof__(&cblas_dgemm) weightkit_cblas_dgemm;
typedef __typeof__(&cblas_dgemv) weightkit_cblas_dgemv;
typedef __typeof__(&openblas_get_corename) weightkit_openblas_get_corename;
typedef __typeof__(&openblas_set_num_threads) weightkit_openblas_set_num_threads;
#endif
