/* context.c - the per-call context: settings, rate-limited progress
 * callbacks, cancellation. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "conv_par.h" /* SST_MAX_WORKERS */

/* Callbacks cost a GUI round-trip in the plug-in: forward at most every
 * 20 ms, which keeps the "at least every ~100 ms" promise with margin. */
#define REPORT_INTERVAL_S 0.020

double sst_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* SST_CONV in the environment: the way to force a path from outside
 * (bench scripts); unset or unknown is the automatic rule. */
static sst_conv_path env_conv_path(void) {
  const char *e = getenv("SST_CONV");
  return !e                       ? SST_CONV_AUTO
         : !strcmp(e, "im2col")   ? SST_CONV_IM2COL
         : !strcmp(e, "winograd") ? SST_CONV_WINOGRAD
                                  : SST_CONV_AUTO;
}

sst_ctx sst_ctx_make(int threads, sst_precision precision, sst_progress_fn fn,
                     void *user, const char *stage) {
  sst_ctx c = {0};
  c.fn = fn;
  c.user = user;
  c.stage = stage;
  c.lo = 0.0f;
  c.hi = 1.0f;
  c.threads = threads > 0 ? threads : 0;
  c.precision = precision;
  c.conv_path = env_conv_path();
  return c;
}

sst_ctx sst_ctx_rebase(const sst_ctx *settings, sst_progress_fn fn,
                       void *user, const char *stage) {
  sst_ctx c = {0};
  if (settings) {
    c.threads = settings->threads;
    c.precision = settings->precision;
    c.conv_path = settings->conv_path;
  }
  c.fn = fn;
  c.user = user;
  c.stage = stage;
  c.lo = 0.0f;
  c.hi = 1.0f;
  return c;
}

int sst_ctx_threads(const sst_ctx *ctx) {
  int n = ctx ? ctx->threads : 0;
  if (n <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1 : (cpus > SST_MAX_WORKERS ? SST_MAX_WORKERS : (int)cpus);
  }
  return n > SST_MAX_WORKERS ? SST_MAX_WORKERS : n;
}

sst_precision sst_ctx_precision(const sst_ctx *ctx) {
  return ctx && ctx->precision == SST_PRECISION_BF16 &&
                 sst_precision_available(SST_PRECISION_BF16)
             ? SST_PRECISION_BF16
             : SST_PRECISION_FLOAT32;
}

sst_conv_path sst_ctx_conv_path(const sst_ctx *ctx) {
  return ctx ? ctx->conv_path : SST_CONV_AUTO;
}

int sst_ctx_tick(sst_ctx *p, float local_fraction) {
  if (!p)
    return 0;
  if (p->cancelled)
    return 1;
  if (!p->fn)
    return 0;
  double now = sst_now();
  if (now - p->last_report < REPORT_INTERVAL_S && local_fraction < 1.0f)
    return 0;
  p->last_report = now;
  if (local_fraction < 0.0f)
    local_fraction = 0.0f;
  if (local_fraction > 1.0f)
    local_fraction = 1.0f;
  float f = p->lo + (p->hi - p->lo) * local_fraction;
  if (p->fn(f, p->stage ? p->stage : "", p->user))
    p->cancelled = 1;
  return p->cancelled;
}

sst_ctx sst_ctx_sub(const sst_ctx *parent, float a, float b,
                    const char *stage) {
  sst_ctx c = {0};
  if (!parent)
    return c;
  c = *parent;
  c.lo = parent->lo + (parent->hi - parent->lo) * a;
  c.hi = parent->lo + (parent->hi - parent->lo) * b;
  if (stage)
    c.stage = stage;
  return c;
}
