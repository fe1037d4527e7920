/* progress.h - progress reporting and cancellation inside the engine.
 *
 * A pipeline hands each stage a sst_progress spanning [lo, hi] of the whole
 * run.  Work loops call sst_progress_tick(p, local_fraction) often (every row
 * band of a convolution, every reconstruction iteration); it forwards at most
 * every ~20 ms to the user callback and returns non-zero once cancelled. */
#ifndef SST_PROGRESS_H
#define SST_PROGRESS_H
#include "sst.h"

typedef struct {
  sst_progress_fn fn;
  void *user;
  const char *stage;
  float lo, hi;          /* this stage's share of the whole run */
  double last_report;    /* monotonic seconds of the last callback */
  int cancelled;
} sst_progress;

/* p may be NULL (no reporting, never cancelled). */
int sst_progress_tick(sst_progress *p, float local_fraction);
/* A child progress covering [a,b] of parent's local range, same stage name
 * unless stage != NULL. */
sst_progress sst_progress_sub(const sst_progress *parent, float a, float b,
                              const char *stage);
double sst_now(void); /* monotonic seconds */
#endif
