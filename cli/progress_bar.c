/* progress_bar.c - a bar that is only drawn on a terminal: a log file or a
 * pipe gets no \r-redrawn lines. */
#include "progress_bar.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define LINE_WIDTH 70 /* what clear() blanks: bar, percent and stage */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int progress_bar_init(progress_bar *bar, FILE *f) {
  memset(bar, 0, sizeof *bar);
  bar->last_percent = -1;
  bar->f = isatty(fileno(f)) ? f : NULL;
  return bar->f != NULL;
}

int progress_bar_update(float fraction, const char *stage, void *user) {
  progress_bar *bar = user;
  if (!bar->f)
    return 0;
  int percent = (int)(fraction * 100.0f + 0.5f);
  percent = percent < 0 ? 0 : percent > 100 ? 100 : percent;
  stage = stage ? stage : "";
  int new_stage = strncmp(stage, bar->last_stage, sizeof bar->last_stage - 1) != 0;
  double t = now();
  if (!new_stage && (percent == bar->last_percent || t - bar->last_draw < 0.1))
    return 0;
  char cells[BAR_WIDTH + 1];
  int full = percent * BAR_WIDTH / 100;
  memset(cells, '#', full);
  memset(cells + full, '-', BAR_WIDTH - full);
  cells[BAR_WIDTH] = '\0';
  /* %-20s blanks what a longer previous stage name left behind. */
  fprintf(bar->f, "\r[%s] %3d %%  %-20.30s", cells, percent, stage);
  fflush(bar->f);
  bar->drawn = 1;
  bar->last_draw = t;
  bar->last_percent = percent;
  strncpy(bar->last_stage, stage, sizeof bar->last_stage - 1);
  return 0;
}

void progress_bar_clear(progress_bar *bar) {
  if (!bar->f || !bar->drawn)
    return;
  fprintf(bar->f, "\r%*s\r", LINE_WIDTH, "");
  fflush(bar->f);
  bar->drawn = 0;
}
