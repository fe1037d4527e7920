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

/* The program-level half (OpenBLAS without its thread pool) is in
 * process_env.h. */

#endif
