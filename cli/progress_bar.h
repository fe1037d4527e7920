/* progress_bar.h - sst-stylize's one-line progress bar on stderr. */
#ifndef PROGRESS_BAR_H
#define PROGRESS_BAR_H

#include <stdio.h>

typedef struct {
  FILE *f;
  double last_draw; /* seconds (monotonic) of the last redraw */
  int last_percent;
  char last_stage[40];
  int drawn;        /* something is on the line */
} progress_bar;

/* Initialises bar for f; returns 1 when f is a terminal (the bar will be
 * drawn), 0 otherwise (the bar stays silent). */
int progress_bar_init(progress_bar *bar, FILE *f);
/* sst_progress_fn: redraws "[#####-----]  42 %  reconstruct" in place with
 * \r, at most every 100 ms unless the stage changes.  Never cancels. */
int progress_bar_update(float fraction, const char *stage, void *bar);
/* Erases the bar, so what follows starts on a clean line. */
void progress_bar_clear(progress_bar *bar);

#endif
