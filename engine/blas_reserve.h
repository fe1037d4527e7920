/* blas_reserve.h - OpenBLAS's work buffers taken before a run, so that an
 * out-of-memory is an error and never OpenBLAS's endless retry.
 *
 * OpenBLAS (0.3.21) maps a 128 MB work buffer the first time it needs one
 * for each concurrent caller, and when that mapping fails it retries
 * forever (blas_memory_alloc), spinning a core: under `ulimit -v` the CLI
 * hung instead of failing.  Buffers are kept in one process-wide pool and
 * reused, so taking as many as there will be concurrent callers before the
 * work starts, after checking the address space for them, means no BLAS
 * call inside the work ever maps one. */
#ifndef SST_BLAS_RESERVE_H
#define SST_BLAS_RESERVE_H
#include "sst.h"

/* Makes sure OpenBLAS holds at least `callers` work buffers.  Returns
 * SST_ERR_NOMEM (naming the buffers) when the memory for them is not there;
 * cheap after the first call for the same count. */
sst_status sst_blas_reserve(int callers, sst_error *err);

/* OpenBLAS starts its own thread pool when the library is loaded, and each
 * of those threads maps a work buffer at once, retrying forever when it
 * cannot; exit() then waits for them.  The engine keeps OpenBLAS on one
 * thread anyway (sst_set_threads), so a program calls this first thing in
 * main(): unless OPENBLAS_NUM_THREADS is already 1 it sets it and
 * re-executes itself (so the library loads with no pool); it returns only
 * when no re-execution happened (already set, or exec failed: then the
 * program runs as before). */
void sst_blas_single_thread_reexec(char **argv);

#endif
