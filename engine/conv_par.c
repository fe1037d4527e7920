/* conv_par.c - see conv_par.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* sysconf */
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "conv_par.h"
#include "error.h"

/* Declared here rather than taken from cblas.h (see nn.c). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#define MAX_WORKERS SST_MAX_WORKERS

static atomic_int conv_threads; /* 0: not set */

void sst_conv_set_threads(int n) {
  atomic_store(&conv_threads, n < 1 ? 1 : (n > MAX_WORKERS ? MAX_WORKERS : n));
}

int sst_conv_threads(void) {
  int n = atomic_load(&conv_threads);
  if (n > 0)
    return n;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : (cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus);
}

void sst_blas_borrow(void) { openblas_set_num_threads(sst_conv_threads()); }

void sst_blas_return(void) { openblas_set_num_threads(1); }

typedef struct {
  sst_band_fn fn;
  void *ctx;
  int nbands;
  atomic_int next, done, stop;
} job;

typedef struct {
  job *j;
  int worker;
} worker_arg;

/* Takes bands until none is left or a stop is requested. */
static int take_band(job *j) {
  if (atomic_load(&j->stop))
    return -1;
  int b = atomic_fetch_add(&j->next, 1);
  return b < j->nbands ? b : -1;
}

static void *worker_main(void *arg) {
  worker_arg *a = arg;
  for (int b; (b = take_band(a->j)) >= 0;) {
    a->j->fn(a->j->ctx, b, a->worker);
    atomic_fetch_add(&a->j->done, 1);
  }
  return NULL;
}

sst_status sst_run_bands(int nbands, int workers, sst_band_fn fn, void *ctx,
                         sst_progress *p, sst_error *err) {
  if (workers > nbands)
    workers = nbands;
  if (workers > MAX_WORKERS)
    workers = MAX_WORKERS;
  if (workers <= 1) {
    for (int b = 0; b < nbands; b++) {
      fn(ctx, b, 0);
      if (sst_progress_tick(p, (float)(b + 1) / (float)nbands))
        return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    }
    return SST_OK;
  }
  job j = {.fn = fn, .ctx = ctx, .nbands = nbands};
  atomic_init(&j.next, 0);
  atomic_init(&j.done, 0);
  atomic_init(&j.stop, 0);
  worker_arg args[MAX_WORKERS];
  pthread_t th[MAX_WORKERS];
  int started = 0;
  int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  for (int i = 1; i < workers; i++) {
    args[i].j = &j;
    args[i].worker = i;
    if (pthread_create(&th[i], NULL, worker_main, &args[i]) != 0)
      break; /* fewer threads: the caller still takes every band left */
    started = i;
  }
  int cancelled = 0;
  for (int b; (b = take_band(&j)) >= 0;) {
    fn(ctx, b, 0);
    int done = atomic_fetch_add(&j.done, 1) + 1;
    if (sst_progress_tick(p, (float)done / (float)nbands)) {
      cancelled = 1;
      atomic_store(&j.stop, 1);
    }
  }
  for (int i = 1; i <= started; i++)
    pthread_join(th[i], NULL);
  openblas_set_num_threads(blas_threads);
  if (!cancelled && sst_progress_tick(p, 1.0f))
    cancelled = 1;
  return cancelled ? sst_fail(err, SST_ERR_CANCELLED, "cancelled") : SST_OK;
}

int sst_band_rows(int band_rows, size_t row_bytes, size_t budget, int rows,
                  int workers, int *nbands) {
  if (band_rows <= 0) {
    size_t r = budget / (row_bytes ? row_bytes : 1);
    /* at least ~2 bands per worker so that they finish together */
    size_t share = ((size_t)rows + 2 * (size_t)workers - 1) /
                   (2 * (size_t)workers);
    if (workers > 1 && r > share)
      r = share;
    band_rows = r < 1 ? 1 : (r > (size_t)rows ? rows : (int)r);
  }
  if (band_rows > rows)
    band_rows = rows;
  *nbands = (rows + band_rows - 1) / band_rows;
  return band_rows;
}
