/* conv_par.c - see conv_par.h. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "blas_reserve.h"
#include "conv_par.h"
#include "error.h"

/* Declared here rather than taken from cblas.h, whose provider (OpenBLAS,
 * netlib) is a system alternative; we always link OpenBLAS. */
void openblas_set_num_threads(int num_threads);

#define MAX_WORKERS SST_MAX_WORKERS

/* OpenBLAS's idle threads spin (sched_yield) for a while after each
 * call; between our band workers' calls they stole the cores from them:
 * at 800x600 the pipeline took 0.90-1.00 s with OpenBLAS at 2 threads and
 * 0.66-0.88 s at 1, the 400-px preview's style change 0.34 vs 0.25 s
 * (bench/NOTES.md).  So every parallel loop runs on the engine's own
 * workers and OpenBLAS stays at one thread.  That is OpenBLAS's
 * process-wide setting: it is written once, always to 1, so no call can
 * see another change it (a save and restore around each loop could: two
 * concurrent loops would restore each other's value). */
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_one_thread(void) { openblas_set_num_threads(1); }

void sst_blas_single_thread(void) { pthread_once(&blas_once, blas_one_thread); }

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

/* ------------------------------------------------ persistent workers
 *
 * Starting threads for every parallel loop cost more than the thread
 * creation: on this workplace's VMs an idle vCPU takes 0.2-0.5 ms (up to
 * 3 ms) to run a new thread, and a preview refresh has about eight
 * parallel loops (bench/NOTES.md, "Persistent workers").  So the workers
 * stay: each waits on its own slot, spinning for SPIN_NS after its last
 * task (the next loop of a pass usually follows within a millisecond)
 * before it sleeps on a condition variable.  One caller at a time owns the
 * pool; a second, concurrent or nested caller starts its own threads as
 * before. */

#define SPIN_NS 3000000L

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  atomic_uint posted, finished; /* task numbers */
  void *(*fn)(void *);
  void *arg;
} slot;

static slot slots[MAX_WORKERS];
static int nslots; /* threads started; guarded by pool_owner */
/* Threads the last loop used: only they spin for the next one, so a
 * thread that a wider loop (the reconstruction's regions) started does not
 * take a core from a narrower loop's workers while it waits. */
static atomic_int spinners;
static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER;

static long elapsed_ns(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static void cpu_relax(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#endif
}

static void *slot_main(void *arg) {
  slot *s = arg;
  const int index = (int)(s - slots);
  unsigned seen = 0;
  for (;;) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned p;
    for (int i = 0;
         (p = atomic_load_explicit(&s->posted, memory_order_acquire)) == seen;
         i++) {
      if ((i & 255) == 255 &&
          (elapsed_ns(&t0) > SPIN_NS || index >= atomic_load(&spinners)))
        break;
      cpu_relax();
    }
    if (p == seen) {
      pthread_mutex_lock(&s->lock);
      while ((p = atomic_load(&s->posted)) == seen)
        pthread_cond_wait(&s->wake, &s->lock);
      pthread_mutex_unlock(&s->lock);
    }
    seen = p;
    s->fn(s->arg);
    atomic_store_explicit(&s->finished, p, memory_order_release);
  }
  return NULL;
}

/* Owns the pool with at least n worker threads (fewer if threads cannot
 * be started); returns how many it has, or -1 when another caller owns
 * it. */
static int pool_acquire(int n) {
  if (pthread_mutex_trylock(&pool_owner) != 0)
    return -1;
  while (nslots < n) {
    slot *s = &slots[nslots];
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    atomic_init(&s->posted, 0);
    atomic_init(&s->finished, 0);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, slot_main, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      pthread_cond_destroy(&s->wake);
      pthread_mutex_destroy(&s->lock);
      break;
    }
    nslots++;
  }
  return nslots < n ? nslots : n;
}

static void pool_release(void) { pthread_mutex_unlock(&pool_owner); }

/* Runs fn(arg) on pool thread i (the caller owns the pool). */
static void slot_post(int i, void *(*fn)(void *), void *arg) {
  slot *s = &slots[i];
  s->fn = fn;
  s->arg = arg;
  pthread_mutex_lock(&s->lock);
  atomic_store_explicit(&s->posted, atomic_load(&s->posted) + 1,
                        memory_order_release);
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
}

/* Waits for pool thread i's last task (its band loop ends as soon as no
 * band is left, so this is a short wait at the end of a loop). */
static void slot_wait(int i) {
  slot *s = &slots[i];
  const unsigned p = atomic_load(&s->posted);
  for (int k = 0;
       atomic_load_explicit(&s->finished, memory_order_acquire) != p; k++)
    if (k < 4096)
      cpu_relax();
    else
      sched_yield();
}

/* Worker threads for a loop: pool threads when the pool is free, fresh
 * threads otherwise.  crew_start runs fn(&args[i]) for i in [0, n) and
 * returns how many threads took one (the rest: the caller's to run);
 * crew_join waits for them and frees the pool. */
typedef struct {
  int pooled; /* owns the pool */
  int started;
  pthread_t th[MAX_WORKERS];
} crew;

static int crew_start(crew *c, int n, void *(*fn)(void *), worker_arg *args) {
  int have = pool_acquire(n);
  c->pooled = have >= 0;
  c->started = 0;
  if (c->pooled) {
    atomic_store(&spinners, have);
    for (int i = 0; i < have; i++)
      slot_post(i, fn, &args[i]);
    c->started = have;
    return have;
  }
  for (int i = 0; i < n; i++) {
    if (pthread_create(&c->th[i], NULL, fn, &args[i]) != 0)
      break;
    c->started++;
  }
  return c->started;
}

static void crew_join(crew *c) {
  for (int i = 0; i < c->started; i++) {
    if (c->pooled)
      slot_wait(i);
    else
      pthread_join(c->th[i], NULL);
  }
  if (c->pooled)
    pool_release();
}

/* Clamps *workers to the bands and MAX_WORKERS and reserves OpenBLAS's
 * buffers for that many: every worker may call OpenBLAS, so its buffers
 * are taken now or never. */
static sst_status crew_size(int nbands, int *workers, sst_error *err) {
  if (*workers > nbands)
    *workers = nbands;
  if (*workers > MAX_WORKERS)
    *workers = MAX_WORKERS;
  return sst_blas_reserve(*workers, err);
}

sst_status sst_run_bands(int nbands, int workers, sst_band_fn fn, void *ctx,
                         sst_ctx *p, sst_error *err) {
  sst_status reserved = crew_size(nbands, &workers, err);
  if (reserved != SST_OK)
    return reserved;
  if (workers <= 1) {
    for (int b = 0; b < nbands; b++) {
      fn(ctx, b, 0);
      if (sst_ctx_tick(p, (float)(b + 1) / (float)nbands))
        return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    }
    return SST_OK;
  }
  job j = {.fn = fn, .ctx = ctx, .nbands = nbands};
  atomic_init(&j.next, 0);
  atomic_init(&j.done, 0);
  atomic_init(&j.stop, 0);
  worker_arg args[MAX_WORKERS];
  sst_blas_single_thread();
  for (int i = 0; i < workers - 1; i++) {
    args[i].j = &j;
    args[i].worker = i + 1; /* the caller is worker 0 */
  }
  /* fewer threads: the caller still takes every band left */
  crew c;
  crew_start(&c, workers - 1, worker_main, args);
  int cancelled = 0;
  for (int b; (b = take_band(&j)) >= 0;) {
    fn(ctx, b, 0);
    int done = atomic_fetch_add(&j.done, 1) + 1;
    if (sst_ctx_tick(p, (float)done / (float)nbands)) {
      cancelled = 1;
      atomic_store(&j.stop, 1);
    }
  }
  crew_join(&c);
  if (!cancelled && sst_ctx_tick(p, 1.0f))
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
  sst_status reserved = crew_size(nbands, &workers, err);
  if (reserved != SST_OK)
    return reserved;
  monitored_job m = {.j = {.fn = fn, .ctx = ctx, .nbands = nbands}};
  atomic_init(&m.j.next, 0);
  atomic_init(&m.j.done, 0);
  atomic_init(&m.j.stop, 0);
  pthread_mutex_init(&m.lock, NULL);
  pthread_cond_init(&m.cond, NULL);
  worker_arg args[MAX_WORKERS];
  int started = 0, cancelled = monitor(ctx);
  sst_blas_single_thread();
  m.running = workers;
  for (int i = 0; i < workers; i++) {
    args[i].j = &m.j;
    args[i].worker = i;
  }
  crew c = {0};
  if (!cancelled)
    started = crew_start(&c, workers, monitored_main, args);
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
  crew_join(&c);
  pthread_cond_destroy(&m.cond);
  pthread_mutex_destroy(&m.lock);
  if (!cancelled)
    cancelled = monitor(ctx);
  return cancelled ? sst_fail(err, SST_ERR_CANCELLED, "cancelled") : SST_OK;
}
