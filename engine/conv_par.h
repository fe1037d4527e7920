/* conv_par.h - row bands of a convolution spread over threads.
 *
 * The bands of a convolution are independent (each reads its input rows
 * and writes its own output rows), so each worker thread takes whole bands:
 * transform / im2col, its own single-threaded sgemm calls, copy-out.  That
 * threads the copies and transforms too, and keeps every sgemm on one core
 * instead of splitting small products across OpenBLAS threads, which
 * measured poorly for the 36 Winograd products per band.  OpenBLAS is
 * kept at one thread (sst_blas_single_thread).  The worker count is the
 * caller's, from its context (context.h): nothing here is a setting.
 *
 * Progress is ticked by the calling thread only; a cancel request stops
 * handing out bands, waits for the running ones and returns
 * SST_ERR_CANCELLED.
 *
 * The worker threads persist between loops: after a loop they spin for a
 * few milliseconds (the next loop of a pass usually follows at once) and
 * then sleep, since starting a thread on an idle vCPU took 0.2-3 ms.  One
 * caller at a time uses them; a concurrent or nested caller gets threads
 * of its own. */
#ifndef SST_CONV_PAR_H
#define SST_CONV_PAR_H
#include <stddef.h>

#include "context.h"

#define SST_MAX_WORKERS 64

/* Sets OpenBLAS to one thread, once per process (the engine splits the
 * work itself; conv_par.c says why).  Every parallel loop calls it; the
 * pipeline calls it before its first sgemm. */
void sst_blas_single_thread(void);

/* Rows per band for a map of `rows` rows costing row_bytes of scratch each:
 * as many as fit in `budget`, but at most ~1/(2 workers) of the map so the
 * workers finish together; at least 1 (band_rows > 0 is kept, capped at
 * rows).  *nbands gets the band count. */
int sst_band_rows(int band_rows, size_t row_bytes, size_t budget, int rows,
                  int workers, int *nbands);

/* fn(ctx, band, worker): worker in [0, workers) selects the scratch. */
typedef void (*sst_band_fn)(void *ctx, int band, int worker);

/* Runs bands 0..nbands-1 on `workers` threads (the caller included;
 * workers <= 1 runs them in order on the caller).  Ticks p with the
 * fraction of bands done. */
sst_status sst_run_bands(int nbands, int workers, sst_band_fn fn, void *ctx,
                         sst_ctx *p, sst_error *err);
/* For few long bands that report their own progress (the reconstruction's
 * regions): every band runs on a worker thread and the calling thread only
 * watches, calling monitor(ctx) before, about every 10 ms while bands run,
 * and once at the end (not after a cancel).  monitor returns non-zero to
 * cancel: no further band starts, and the running ones are expected to
 * notice through their own flag.  So progress and cancellation stay on the
 * calling thread however the bands fall to the workers. */
sst_status sst_run_bands_monitored(int nbands, int workers, sst_band_fn fn,
                                   void *ctx, int (*monitor)(void *ctx),
                                   sst_error *err);
#endif
