/* context.h - the per-call context every engine stage is handed.
 *
 * Like ggml's compute plan, one small struct carries what a call may vary
 * (how many threads its parallel loops use, the arithmetic of its
 * convolutions, which convolution path runs) together with its progress
 * range and cancel flag, and is passed down the call chain: pipeline ->
 * encoder / decoder forward -> convolutions -> parallel loops, and the
 * reconstruction and colour-match workers.  Nothing of it lives in a
 * process-wide variable, so two calls in two threads cannot change each
 * other's arithmetic (sst.h states the thread contract).
 *
 * Progress: a stage gets a context spanning [lo, hi] of the whole run.
 * Work loops call sst_ctx_tick(ctx, local_fraction) often (every row band
 * of a convolution, every reconstruction iteration); it forwards at most
 * every ~20 ms to the user callback and returns non-zero once cancelled.
 *
 * Every function that takes a context accepts NULL: all online cores,
 * float32, the automatic convolution path, no progress, never cancelled.
 * A zero-filled context means the same, with progress where fn is set. */
#ifndef SST_CONTEXT_H
#define SST_CONTEXT_H
#include "sst.h"

/* Which algorithm runs a 3x3 convolution.  Winograd F(4x4,3x3)
 * (conv_winograd.h) does 4x fewer multiply-adds; im2col + sgemm is the
 * reference and handles what Winograd does not pay for (few input
 * channels, maps smaller than a tile).  SST_CONV_AUTO applies
 * sst_conv_pick_winograd's rule (layers.h). */
typedef enum {
  SST_CONV_AUTO = 0,
  SST_CONV_IM2COL,
  SST_CONV_WINOGRAD
} sst_conv_path;

typedef struct {
  sst_progress_fn fn;
  void *user;
  const char *stage;
  float lo, hi;          /* this stage's share of the whole run */
  double last_report;    /* monotonic seconds of the last callback */
  int cancelled;
  /* the call's settings; zero = default (after the progress fields so
   * that a progress-only initialiser keeps the defaults) */
  int threads;             /* workers of every parallel loop; 0 = all cores */
  sst_precision precision; /* requested; BF16 runs only where available */
  sst_conv_path conv_path; /* tests and the bench force a path */
} sst_ctx;

/* A context for one call: its settings and the user's callback, spanning
 * [0, 1] with `stage` as the first stage name.  threads <= 0: all cores;
 * the path is SST_CONV_AUTO unless the environment variable
 * SST_CONV=im2col|winograd says otherwise (read here, never written). */
sst_ctx sst_ctx_make(int threads, sst_precision precision, sst_progress_fn fn,
                     void *user, const char *stage);

/* A context with the settings of `settings` (NULL: the defaults) and a
 * fresh progress of its own: fn / user, [0, 1], not cancelled.  For a
 * worker that reports to its own watcher rather than to the caller. */
sst_ctx sst_ctx_rebase(const sst_ctx *settings, sst_progress_fn fn,
                       void *user, const char *stage);

/* Workers for the call's parallel loops, in [1, SST_MAX_WORKERS]. */
int sst_ctx_threads(const sst_ctx *ctx);
/* The arithmetic that runs: BF16 only where requested and available. */
sst_precision sst_ctx_precision(const sst_ctx *ctx);
sst_conv_path sst_ctx_conv_path(const sst_ctx *ctx);

/* ctx may be NULL (no reporting, never cancelled). */
int sst_ctx_tick(sst_ctx *ctx, float local_fraction);
/* A child context covering [a,b] of parent's local range, same settings,
 * same stage name unless stage != NULL.  A NULL parent gives a zero
 * context (the defaults, no progress). */
sst_ctx sst_ctx_sub(const sst_ctx *parent, float a, float b,
                    const char *stage);
double sst_now(void); /* monotonic seconds */
#endif
