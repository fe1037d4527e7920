/* bench_scale.c - cost against pixel count, and peak memory.
 *
 * Each size runs in a child process (this program re-executed with
 * --child W H) so that its peak resident memory, read with wait4(), is its
 * own and not the maximum of everything the bench did before.  The child
 * runs the default settings (poly, relu3_1, two regions, 512-px style)
 * at full size, tiled automatically beyond SST_UNTILED_MAX_PIXELS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "context.h" /* sst_now */

int bench_scale_child(const sst_model *m, int w, int h, int threads) {
  sst_image content, style, out;
  if (bench_image(&content, w, h, 1) || bench_image(&style, 512, 384, 7))
    return 1;
  uint8_t *cm = bench_halves_map(w, h), *sm = bench_halves_map(512, 384);
  sst_map cmap = {w, h, cm, NULL}, smap = {512, 384, sm, NULL};
  sst_params p;
  sst_params_default(&p);
  p.threads = threads;
  sst_error err = {0};
  double t0 = sst_now();
  if (sst_stylize(m, &content, &cmap, &style, &smap, &p, NULL, NULL, &out,
                  &err) != SST_OK) {
    fprintf(stderr, "bench child: %s\n", err.msg);
    return 1;
  }
  printf("%.4f\n", sst_now() - t0);
  sst_image_free(&out);
  sst_image_free(&content);
  sst_image_free(&style);
  free(cm);
  free(sm);
  return 0;
}

/* Runs one child; returns seconds (< 0 on failure) and peak RSS in MB. */
static double run_child(int w, int h, int threads, double *peak_mb) {
  int fd[2];
  if (pipe(fd))
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    char ws[16], hs[16], ts[16];
    snprintf(ws, sizeof ws, "%d", w);
    snprintf(hs, sizeof hs, "%d", h);
    snprintf(ts, sizeof ts, "%d", threads);
    execl("/proc/self/exe", "sst-bench", "--child", ws, hs, ts, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  char buf[64] = {0};
  ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || n <= 0)
    return -1;
  *peak_mb = ru.ru_maxrss / 1024.0; /* kB on Linux */
  return atof(buf);
}

void bench_scale(const bench_ctx *ctx) {
  static const struct { int w, h; } sizes[] = {{816, 612}, {1632, 1224},
                                               {4000, 3000}};
  printf("\n%-12s %8s %10s %10s %12s\n", "size", "MP", "seconds", "s per MP",
         "peak RSS MB");
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    const int w = sizes[i].w, h = sizes[i].h;
    const double mp = (double)w * h / 1e6;
    /* the 12 MP run takes a while: once is enough for it */
    int runs = mp > 4 ? 1 : ctx->runs;
    double t[64], peak = 0, pk;
    int ok = 1;
    for (int r = 0; r < runs && ok; r++) {
      t[r] = run_child(w, h, ctx->threads, &pk);
      ok = t[r] >= 0;
      peak = pk > peak ? pk : peak;
    }
    char label[32];
    snprintf(label, sizeof label, "%dx%d", w, h);
    if (!ok) {
      printf("%-12s %8.2f %10s\n", label, mp, "failed");
      continue;
    }
    double s = bench_median(t, runs);
    printf("%-12s %8.2f %10.2f %10.2f %12.0f\n", label, mp, s, s / mp, peak);
  }
}
