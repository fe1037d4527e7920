/* bench_oneshot.c - the whole sst-stylize process, as a user waits for it.
 *
 * The other sections time the engine inside this (warm) process; a user
 * runs the CLI, or the plug-in's final render, as a fresh process that also
 * starts, loads the weights, decodes and encodes images and exits, and
 * whose first run pays for fresh memory.  This section writes the
 * `pipeline` section's pair (800x600 content, 512x384 style, two regions)
 * to PNG files, spawns sst-stylize on them RUNS times, times each process
 * from spawn to wait, and splits the time with the lines the CLI's
 * --timings prints.  G'MIC's stylize runs on the same pair in the same run
 * when it is installed (bench_gmic.c).  The same runs with --method patch
 * give the patch method's whole process (issue 15's target: <= 2.0 s).
 *
 * Each timed process starts after an idle pause (SST_ONESHOT_IDLE seconds,
 * default 2; 0 = back to back), as a user's run does.  On the bench VMs
 * memory a process frees goes back to the host within about a second
 * (virtio free page reporting), and the next process to touch it waits
 * for the host: 400 MB of fresh huge pages took 0.05 s right after a
 * free and 0.5-1.7 s after a second's pause, so back-to-back runs
 * measured a warm machine no user has (bench/NOTES.md, "Idle pauses").
 *
 * The binary is the one meson built (SST_STYLIZE_PATH), or $SST_STYLIZE. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "context.h"  /* sst_now */
#include "image_io.h" /* the CLI's own PNG writer */

extern char **environ;

/* The issues' targets for a whole process, printed beside the figures:
 * issue 17 (float32 defaults, 800x600, and against G'MIC in the same run)
 * and issue 15 (the patch method). */
static const double target_whole_s = 0.50;
static const double target_gmic_ratio = 15.0;
static const double target_patch_s = 2.0;

/* Seconds of idle before each timed process: SST_ONESHOT_IDLE, else 2. */
static double idle_seconds(void) {
  const char *e = getenv("SST_ONESHOT_IDLE");
  char *end;
  double v = e && *e ? strtod(e, &end) : 2.0;
  if (e && *e && (*end || !(v >= 0.0 && v <= 60.0)))
    v = 2.0; /* not a number of seconds in 0..60: the default */
  return v;
}

/* The --timings lines, in the order they are printed; a line the CLI did
 * not print (an older binary) makes its row say "n/a". */
enum { T_READ, T_WEIGHTS, T_ENCODE, T_RECON, T_DECODE, T_TOTAL, T_WRITE, T_N };
static const char *const timing_names[T_N] = {
    "read", "weights", "encode", "reconstruct", "decode", "total", "write"};

typedef struct {
  double wall;       /* spawn .. wait, s */
  double t[T_N];     /* as printed by --timings */
  int seen[T_N];
} oneshot_run;

static int write_png(const char *path, const sst_image *img) {
  size_t n = (size_t)img->width * img->height * 3;
  uint8_t *rgb8 = malloc(n);
  if (!rgb8)
    return -1;
  for (size_t i = 0; i < n; i++) {
    float v = img->rgb[i] < 0 ? 0 : img->rgb[i] > 1 ? 1 : img->rgb[i];
    rgb8[i] = (uint8_t)(v * 255.0f + 0.5f);
  }
  char msg[600];
  int rc = image_write_rgb8(path, rgb8, img->width, img->height, msg, sizeof msg);
  if (rc)
    fprintf(stderr, "bench oneshot: %s\n", msg);
  free(rgb8);
  return rc;
}

static int write_map_png(const char *path, int w, int h) {
  uint8_t *m = bench_halves_map(w, h);
  char msg[600];
  int rc = m ? image_write_rgb8(path, m, w, h, msg, sizeof msg) : -1;
  if (rc && m)
    fprintf(stderr, "bench oneshot: %s\n", msg);
  free(m);
  return rc;
}

static void parse_timings(char *text, oneshot_run *run) {
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char name[32];
    double v;
    if (sscanf(line, "%31s %lf s", name, &v) != 2)
      continue;
    for (int k = 0; k < T_N; k++)
      if (!strcmp(name, timing_names[k])) {
        run->t[k] = v;
        run->seen[k] = 1;
      }
  }
}

/* Spawns argv with stdout on a pipe; the wall time covers posix_spawn to
 * waitpid.  Returns 0 when the process exited with status 0. */
static int spawn_timed(char *const argv[], double *wall, char *out, size_t cap) {
  int fd[2];
  if (pipe(fd))
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  posix_spawn_file_actions_addclose(&fa, fd[1]);
  pid_t pid;
  double t0 = sst_now();
  int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  /* read to the end (a child blocked on a full pipe would never exit);
   * keep what fits */
  size_t len = 0;
  ssize_t n;
  char buf[4096];
  while (!err && (n = read(fd[0], buf, sizeof buf)) > 0) {
    size_t keep = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
    memcpy(out + len, buf, keep);
    len += keep;
  }
  out[len] = 0;
  close(fd[0]);
  int status = 0;
  if (err || waitpid(pid, &status, 0) < 0)
    return -1;
  *wall = sst_now() - t0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *stylize_path(void) {
  const char *env = getenv("SST_STYLIZE");
  return env && *env ? env : SST_STYLIZE_PATH;
}

/* median, min, max of v[0..n) (v is sorted in place) */
static void stats3(double *v, int n, double s[3]) {
  s[0] = bench_median(v, n); /* sorts */
  s[1] = v[0];
  s[2] = v[n - 1];
}

static void row(const char *label, double *v, int n) {
  double s[3];
  stats3(v, n, s);
  printf("%-40s %8.3f %8.3f %8.3f\n", label, s[0], s[1], s[2]);
}

void bench_oneshot(const bench_ctx *ctx) {
  const int W = 800, H = 600, SW = 512, SH = 384; /* the pipeline pair */
  const char *exe = stylize_path();
  if (access(exe, X_OK) != 0) {
    printf("\noneshot: %s not found (build it, or set SST_STYLIZE) - skipped\n", exe);
    return;
  }
  char dir[] = "/tmp/sst-oneshot-XXXXXX";
  if (!mkdtemp(dir)) {
    printf("\noneshot: no temporary directory - skipped\n");
    return;
  }
  char cpath[64], spath[64], cmpath[64], smpath[64], opath[64], threads[16];
  snprintf(cpath, sizeof cpath, "%s/content.png", dir);
  snprintf(spath, sizeof spath, "%s/style.png", dir);
  snprintf(cmpath, sizeof cmpath, "%s/content_map.png", dir);
  snprintf(smpath, sizeof smpath, "%s/style_map.png", dir);
  snprintf(opath, sizeof opath, "%s/out.png", dir);
  snprintf(threads, sizeof threads, "%d", ctx->threads);
  sst_image content, style;
  int ok = bench_image(&content, W, H, 1) == 0 && bench_image(&style, SW, SH, 7) == 0 &&
           write_png(cpath, &content) == 0 && write_png(spath, &style) == 0 &&
           write_map_png(cmpath, W, H) == 0 && write_map_png(smpath, SW, SH) == 0;
  /* the weights this program loaded, so both sides run the same model */
  const char *wenv = getenv("SST_WEIGHTS_DIR");
  const char *weights = wenv ? wenv : "weights";
  char *argv[] = {(char *)exe, cpath, spath, "--content-map", cmpath,
                  "--style-map", smpath, "-o", opath, "--timings", "--quiet",
                  "--weights", (char *)weights, "--threads", threads, NULL};
  char *patch_argv[sizeof argv / sizeof argv[0] + 2];
  memcpy(patch_argv, argv, sizeof argv - sizeof argv[0]);
  patch_argv[sizeof argv / sizeof argv[0] - 1] = "--method";
  patch_argv[sizeof argv / sizeof argv[0]] = "patch";
  patch_argv[sizeof argv / sizeof argv[0] + 1] = NULL;
  char *help_argv[] = {(char *)exe, "--help", NULL};
  const int runs = ctx->runs;
  const double idle = idle_seconds();
  oneshot_run r[64], pr[64];
  double help[64];
  char out[4096];
  memset(r, 0, sizeof r);
  memset(pr, 0, sizeof pr);
  for (int i = 0; i < runs && ok; i++) {
    bench_idle(idle);
    ok = spawn_timed(argv, &r[i].wall, out, sizeof out) == 0;
    if (ok)
      parse_timings(out, &r[i]);
  }
  /* an older binary without --method fails here: its rows say n/a */
  int patch_ok = ok;
  for (int i = 0; i < runs && patch_ok; i++) {
    bench_idle(idle);
    patch_ok = spawn_timed(patch_argv, &pr[i].wall, out, sizeof out) == 0;
    if (patch_ok)
      parse_timings(out, &pr[i]);
  }
  /* start-up and exit alone: the same binary (libraries, and the
   * re-exec of engine/process_env.h when its settings are missing) doing
   * nothing */
  for (int i = 0; i < runs && ok; i++)
    ok = spawn_timed(help_argv, &help[i], out, sizeof out) == 0;
  const int gmic = ok && bench_gmic_available();
  const double g = gmic ? bench_gmic_seconds(&content, &style, runs, idle) : -1;
  remove(cpath);
  remove(spath);
  remove(cmpath);
  remove(smpath);
  remove(opath);
  rmdir(dir);
  sst_image_free(&content);
  sst_image_free(&style);
  if (!ok) {
    printf("\noneshot: running %s failed - skipped\n", exe);
    return;
  }

  printf("\nwhole sst-stylize process: %dx%d content, %dx%d style, 2 regions, "
         "float32 defaults, %d runs\n", W, H, SW, SH, runs);
  if (idle > 0.0)
    printf("  each run (and G'MIC's) after %.1f s idle, as a user's run "
           "(SST_ONESHOT_IDLE=0: back to back)\n", idle);
  else
    printf("  runs back to back (SST_ONESHOT_IDLE=0): warmer memory than a "
           "user's run finds\n");
  printf("  %s%s\n", exe,
         getenv("OPENBLAS_NUM_THREADS") ? "" : " (re-executes itself once: engine/process_env.h)");
  printf("%-40s %8s %8s %8s\n", "seconds", "median", "min", "max");
  double v[64], whole_med;
  for (int i = 0; i < runs; i++) v[i] = r[i].wall;
  row("whole process (spawn to wait)", v, runs);
  whole_med = bench_median(v, runs);
  printf("%-40s target %.2f s: %s\n", "  (median)", target_whole_s,
         whole_med <= target_whole_s ? "meets" : "misses");
  static const char *const labels[T_N] = {
      "  read images and maps", "  load weights", "  encode", "  reconstruct",
      "  decode (with colour match)", "  engine total (--timings total)",
      "  write output (PNG)"};
  for (int k = 0; k < T_N; k++) {
    int seen = 1;
    for (int i = 0; i < runs; i++) {
      v[i] = r[i].t[k];
      seen &= r[i].seen[k];
    }
    if (seen)
      row(labels[k], v, runs);
    else
      printf("%-40s %8s\n", labels[k], "n/a");
  }
  /* what --timings does not see: start-up (and re-exec), session set-up
   * outside the stages, freeing and exit */
  int all = 1;
  for (int i = 0; i < runs; i++)
    for (int k = 0; k < T_N; k++)
      all &= r[i].seen[k];
  if (all) {
    for (int i = 0; i < runs; i++)
      v[i] = r[i].wall - r[i].t[T_READ] - r[i].t[T_WEIGHTS] - r[i].t[T_TOTAL] -
             r[i].t[T_WRITE];
    row("  rest: start, set-up, exit", v, runs);
  }
  for (int i = 0; i < runs; i++) v[i] = r[i].wall - r[i].t[T_TOTAL];
  row("outside the engine (whole - total)", v, runs);
  row("start + exit alone (sst-stylize --help)", help, runs);
  if (patch_ok) {
    for (int i = 0; i < runs; i++) v[i] = pr[i].wall;
    row("--method patch: whole process", v, runs);
    const double patch_med = bench_median(v, runs);
    for (int i = 0; i < runs; i++) v[i] = pr[i].t[T_RECON];
    if (pr[0].seen[T_RECON])
      row("  reconstruct (patch matching)", v, runs);
    printf("%-40s target %.1f s: %s\n", "  (median)", target_patch_s,
           patch_med <= target_patch_s ? "meets" : "misses");
  } else {
    printf("%-40s %8s\n", "--method patch: whole process", "n/a");
  }
  if (gmic && g > 0)
    printf("%-40s %8.2f   whole process %.1fx faster (target %.0fx: %s)\n",
           "gmic stylize (same pair, no maps)", g, g / whole_med, target_gmic_ratio,
           g / whole_med >= target_gmic_ratio ? "meets" : "misses");
  else
    printf("gmic: %s - comparison skipped\n",
           gmic ? "stylize failed" : "not installed (apt install gmic)");
}
