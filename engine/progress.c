/* progress.c - rate-limited progress callbacks with cancellation. */
#include <time.h>

#include "progress.h"

/* Callbacks cost a GUI round-trip in the plug-in: forward at most every
 * 20 ms, which keeps the "at least every ~100 ms" promise with margin. */
#define REPORT_INTERVAL_S 0.020

double sst_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int sst_progress_tick(sst_progress *p, float local_fraction) {
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

sst_progress sst_progress_sub(const sst_progress *parent, float a, float b,
                              const char *stage) {
  sst_progress c = {0};
  if (!parent)
    return c;
  c = *parent;
  c.lo = parent->lo + (parent->hi - parent->lo) * a;
  c.hi = parent->lo + (parent->hi - parent->lo) * b;
  if (stage)
    c.stage = stage;
  return c;
}
