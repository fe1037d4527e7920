/* conv_par.c - see conv_par.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* sysconf */
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
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

/* ---------------------------------------------- bands with a monitor */

typedef struct {
  job j; /* first: worker_arg points at it */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int running; /* workers that have not finished */
} monitored_job;

static void *monitored_main(void *arg) {
  worker_arg *a = arg;
  monitored_job *m = (monitored_job *)(void *)a->j;
  worker_main(arg);
  pthread_mutex_lock(&m->lock);
  m->running--;
  pthread_cond_signal(&m->cond);
  pthread_mutex_unlock(&m->lock);
  return NULL;
}

sst_status sst_run_bands_monitored(int nbands, int workers, sst_band_fn fn,
                                   void *ctx, int (*monitor)(void *ctx),
                                   sst_error *err) {
  if (workers > nbands)
    workers = nbands;
  if (workers > MAX_WORKERS)
    workers = MAX_WORKERS;
  monitored_job m = {.j = {.fn = fn, .ctx = ctx, .nbands = nbands}};
  atomic_init(&m.j.next, 0);
  atomic_init(&m.j.done, 0);
  atomic_init(&m.j.stop, 0);
  pthread_mutex_init(&m.lock, NULL);
  pthread_cond_init(&m.cond, NULL);
  worker_arg args[MAX_WORKERS];
  pthread_t th[MAX_WORKERS];
  int started = 0, cancelled = monitor(ctx);
  int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  m.running = workers;
  for (int i = 0; i < workers && !cancelled; i++) {
    args[i].j = &m.j;
    args[i].worker = i;
    if (pthread_create(&th[i], NULL, monitored_main, &args[i]) != 0)
      break;
    started++;
  }
  pthread_mutex_lock(&m.lock);
  m.running -= workers - started; /* never started */
  pthread_mutex_unlock(&m.lock);
  if (started == 0) /* no thread: the bands run here, checked between */
    for (int b; !cancelled && (b = take_band(&m.j)) >= 0;) {
      fn(ctx, b, 0);
      cancelled = monitor(ctx);
    }
  pthread_mutex_lock(&m.lock);
  while (m.running > 0) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 10 * 1000 * 1000; /* look every 10 ms */
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&m.cond, &m.lock, &until);
    if (m.running > 0 && !cancelled) {
      pthread_mutex_unlock(&m.lock);
      if (monitor(ctx)) {
        cancelled = 1;
        atomic_store(&m.j.stop, 1);
      }
      pthread_mutex_lock(&m.lock);
    }
  }
  pthread_mutex_unlock(&m.lock);
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  openblas_set_num_threads(blas_threads);
  pthread_cond_destroy(&m.cond);
  pthread_mutex_destroy(&m.lock);
  if (!cancelled)
    cancelled = monitor(ctx);
  return cancelled ? sst_fail(err, SST_ERR_CANCELLED, "cancelled") : SST_OK;
}
