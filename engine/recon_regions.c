/* recon_regions.c - the per-region affine solves of a method (the
 * diagonal path, recon_affine.c, or the factored one, recon_factored.c)
 * run in parallel into the result's maps (A_k, b_k). */
#include <stdatomic.h>
#include <stdlib.h>

#include "conv_par.h"
#include "error.h"
#include "recon_internal.h"

/* The active regions are independent problems: with more than one worker
 * (the dialog's preview runs two regions on two cores) every region runs
 * on a worker thread with its own workspace, and the calling thread
 * watches (sst_run_bands_monitored): it alone reports progress, from the
 * fractions the regions publish, and on a cancel raises `stop`, which the
 * regions' descents poll through their probe.  With one worker the
 * regions run in order on the calling thread with the real progress. */
typedef struct {
  const sst_recon_stats *st;
  const sst_termset *ts;
  const sst_recon_params *p;
  sst_recon_result *res;
  int nact, *region;    /* the active regions in order */
  const sst_region_solver *solver;
  void **ws;            /* per worker: the solver's workspace */
  sst_status *rc;       /* per active region */
  sst_error *errs;      /* per active region */
  sst_ctx *prog;
  int monitored;
  atomic_int *permille; /* per active region, monitored runs */
  atomic_int stop;
} regions_job;

typedef struct {
  regions_job *j;
  int band;
} region_probe;

/* A region's progress in a monitored run: published, never shown. */
static int probe_region(float fraction, const char *stage, void *user) {
  (void)stage;
  region_probe *rp = user;
  atomic_store(&rp->j->permille[rp->band], (int)(1000.0f * fraction));
  return atomic_load(&rp->j->stop);
}

static int regions_monitor(void *ctx) {
  regions_job *j = ctx;
  double sum = 0.0;
  for (int a = 0; a < j->nact; a++)
    sum += atomic_load(&j->permille[a]);
  if (sst_ctx_tick(j->prog, (float)(sum / (1000.0 * j->nact)))) {
    atomic_store(&j->stop, 1);
    return 1;
  }
  return 0;
}

static void solve_one_region(void *ctx, int band, int worker) {
  regions_job *j = ctx;
  const int k = j->region[band], C = j->st->C;
  sst_error *err = &j->errs[band];
  if (atomic_load(&j->stop)) {
    j->rc[band] = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    return;
  }
  j->res->A[k] = malloc(sizeof(float) * (size_t)C * C);
  j->res->b[k] = malloc(sizeof(double) * (size_t)C);
  if (!j->res->A[k] || !j->res->b[k]) {
    j->rc[band] = sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
    atomic_store(&j->stop, 1);
    return;
  }
  region_probe rp = {j, band};
  sst_ctx probe = sst_ctx_rebase(j->prog, probe_region, &rp, "reconstruct");
  sst_ctx *prog = j->monitored ? &probe : j->prog;
  const float f0 = j->monitored ? 0.0f : (float)band / (float)j->nact;
  const float f1 = j->monitored ? 1.0f : (float)(band + 1) / (float)j->nact;
  sst_status rc = j->solver->region(j->ws[worker], j->st, j->ts, j->p, k,
                                    j->res->A[k], j->res->b[k], prog, f0, f1,
                                    err);
  j->rc[band] = rc;
  if (j->monitored)
    atomic_store(&j->permille[band], 1000);
  if (rc != SST_OK)
    atomic_store(&j->stop, 1);
}

sst_status sst_recon_solve_regions(const sst_region_solver *solver,
                                   const sst_recon_stats *st,
                                   const sst_termset *ts,
                                   const sst_recon_params *p,
                                   sst_recon_result *res, sst_ctx *prog,
                                   sst_error *err) {
  const int K = st->K, C = st->C;
  res->A = calloc((size_t)K, sizeof *res->A);
  res->b = calloc((size_t)K, sizeof *res->b);
  regions_job j = {.st = st, .ts = ts, .p = p, .res = res, .prog = prog,
                   .solver = solver};
  atomic_init(&j.stop, 0);
  j.nact = sst_recon_active_regions(st);
  int workers = sst_ctx_threads(prog);
  workers = workers < j.nact ? workers : j.nact;
  j.monitored = workers > 1;
  j.region = malloc(sizeof(int) * (size_t)(j.nact + 1));
  j.rc = calloc((size_t)j.nact + 1, sizeof(sst_status));
  j.errs = calloc((size_t)j.nact + 1, sizeof(sst_error));
  j.permille = calloc((size_t)j.nact + 1, sizeof *j.permille);
  j.ws = calloc((size_t)workers + 1, sizeof *j.ws);
  int ok = res->A && res->b && j.region && j.rc && j.errs && j.permille && j.ws;
  int ready = 0; /* workspaces allocated */
  while (ok && ready < workers) {
    ok = !!(j.ws[ready] = solver->ws_new(C));
    ready += ok;
  }
  sst_status rc = SST_OK;
  if (!ok) {
    rc = sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  } else {
    for (int k = 0, a = 0; k < K; k++)
      if (st->reg[k].W > 0.0)
        j.region[a++] = k;
    for (int a = 0; a < j.nact; a++)
      atomic_init(&j.permille[a], 0);
    if (j.monitored)
      rc = sst_run_bands_monitored(j.nact, workers, solve_one_region, &j,
                                   regions_monitor, err);
    else /* in order here; the regions tick the progress themselves */
      for (int a = 0; a < j.nact; a++)
        solve_one_region(&j, a, 0);
    /* A real error outranks the cancellations it caused in other regions. */
    for (int pass = 0; pass < 2; pass++)
      for (int a = 0; rc == SST_OK && a < j.nact; a++)
        if (j.rc[a] != SST_OK && (pass || j.rc[a] != SST_ERR_CANCELLED)) {
          rc = j.rc[a];
          if (err)
            *err = j.errs[a];
        }
  }
  for (int w = 0; w < ready; w++)
    solver->ws_free(j.ws[w]);
  free(j.ws);
  free(j.region);
  free(j.rc);
  free(j.errs);
  free(j.permille);
  return rc;
}
