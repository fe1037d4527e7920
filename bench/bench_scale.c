/* bench_scale.c - cost against pixel count, and peak memory.
 *
 * Each size runs in a child process (this program re-executed with
 * --child W H) so that its peak resident memory, read with wait4(), is its
 * own and not the maximum of everything the bench did before.  The child
 * runs the default settings (poly, relu3_1, two regions, 512-px style)
 * at full size, tiled automatically beyond SST_UNTILED_MAX_PIXELS, on
 * 8-bit images handed over as the CLI hands a photo over
 * (sst_session_set_content8).  The 24 and 48 MP rows check that memory
 * stays bounded (README, "Large images"); on 2 cores the 48 MP row alone
 * takes several minutes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "context.h" /* sst_now */

/* bench_image's picture straight as 8-bit values (a photo's decoded
 * bytes), with no float copy of the whole image: at 48 MP that copy alone
 * would be 576 MB of the peak being measured. */
static uint8_t *bench_image8(int w, int h, int seed) {
  uint8_t *img = malloc((size_t)w * h * 3);
  for (int y = 0; img && y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        unsigned hash = (unsigned)(x * 73856093u ^ y * 19349663u ^
                                   (c + seed) * 83492791u);
        float v = 0.5f + 0.3f * __builtin_sinf(0.02f * x * (c + 1) + seed) *
                             __builtin_cosf(0.015f * y) +
                  0.1f * (hash % 1000) / 1000.0f;
        v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        img[((size_t)y * w + x) * 3 + c] = (uint8_t)(v * 255.0f + 0.5f);
      }
  return img;
}

int bench_scale_child(const sst_model *m, int w, int h, int threads) {
  sst_image out = {0};
  uint8_t *content = bench_image8(w, h, 1), *style = bench_image8(512, 384, 7);
  uint8_t *cm = bench_halves_map(w, h), *sm = bench_halves_map(512, 384);
  sst_session *s = sst_session_new(m);
  if (!content || !style || !cm || !sm || !s)
    return 1;
  sst_map cmap = {w, h, cm, NULL}, smap = {512, 384, sm, NULL};
  sst_session_set_keep_content(s, 0); /* one run, as in the CLI */
  sst_params p;
  sst_params_default(&p);
  p.threads = threads;
  sst_error err = {0};
  double t0 = sst_now();
  sst_status st = sst_session_set_content8(s, w, h, content, &cmap, &err);
  free(content); /* the session has its copy, as in the CLI */
  free(cm);
  if (st == SST_OK)
    st = sst_session_set_style8(s, 512, 384, style, &smap, &err);
  if (st == SST_OK)
    st = sst_session_run(s, &p, &out, &err);
  if (st != SST_OK) {
    fprintf(stderr, "bench child: %s\n", err.msg);
    return 1;
  }
  printf("%.4f\n", sst_now() - t0);
  sst_session_free(s);
  sst_image_free(&out);
  free(style);
  free(sm);
  return 0;
}

/* Runs one child; returns seconds (< 0 on failure), peak RSS in MB and
 * the CPU seconds (user + system) of the whole child. */
static double run_child(int w, int h, int threads, double *peak_mb,
                        double *cpu_s) {
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
  *cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  return atof(buf);
}

void bench_scale(const bench_ctx *ctx) {
  static const struct { int w, h; } sizes[] = {
      {816, 612}, {1632, 1224}, {4000, 3000}, {5656, 4242}, {8000, 6000}};
  /* CPU seconds per MP as well: on a shared machine the wall clock per MP
   * follows the load, the CPU time far less (it includes the child's
   * start-up and model load, a fixed cost) */
  printf("\n%-12s %8s %10s %10s %12s %12s\n", "size", "MP", "seconds",
         "s per MP", "CPU s per MP", "peak RSS MB");
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    const int w = sizes[i].w, h = sizes[i].h;
    const double mp = (double)w * h / 1e6;
    /* the runs from 12 MP up take a while: once is enough for them */
    int runs = mp > 4 ? 1 : ctx->runs;
    double t[64], cpu[64], peak = 0, pk;
    int ok = 1;
    for (int r = 0; r < runs && ok; r++) {
      t[r] = run_child(w, h, ctx->threads, &pk, &cpu[r]);
      ok = t[r] >= 0;
      peak = pk > peak ? pk : peak;
    }
    char label[32];
    snprintf(label, sizeof label, "%dx%d", w, h);
    if (!ok) {
      printf("%-12s %8.2f %10s\n", label, mp, "failed");
      continue;
    }
    double s = bench_median(t, runs), c = bench_median(cpu, runs);
    printf("%-12s %8.2f %10.2f %10.2f %12.2f %12.0f\n", label, mp, s, s / mp,
           c / mp, peak);
  }
}
