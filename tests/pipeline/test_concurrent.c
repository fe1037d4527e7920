/* test_concurrent.c - two sessions on one model, in two threads, give the
 * same bits as the same two sessions run one after the other.
 *
 * sst.h promises that different sessions may run at once on a shared
 * model.  The two runs differ in every per-call setting the engine has:
 * thread count (1 against 3: the statistics pass sums its moments in one
 * partial sum per thread, so the count shows in the last bits of the
 * output), precision (bf16 against float32 where the CPU has AVX-512 BF16;
 * elsewhere bf16 runs as float32) and feature layer.  A setting that leaks
 * from one run into the other (a process-wide thread count or precision, as
 * the engine had before issue 15) changes the output of at least one of
 * them.  The test first checks that each run's output does depend on the
 * other's settings (else it could not see a leak) and then repeats the
 * concurrent pair a few times, the two threads released together by a
 * barrier so their encoders overlap. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "pipeline_test_util.h"
#include "sst.h"

#define ROUNDS 2

typedef struct {
  const sst_model *model;
  sst_image content, style;
  sst_map content_map, style_map;
  sst_params params;
  pthread_barrier_t *start; /* NULL: run at once */
  sst_image out;
  sst_status status;
  sst_error err;
} job;

static void *run_job(void *arg) {
  job *j = arg;
  memset(&j->out, 0, sizeof j->out);
  sst_session *s = sst_session_new(j->model);
  j->status = s ? SST_OK : SST_ERR_NOMEM;
  if (j->status == SST_OK)
    j->status = sst_session_set_content(s, &j->content, &j->content_map,
                                        &j->err);
  if (j->status == SST_OK)
    j->status = sst_session_set_style(s, &j->style, &j->style_map, &j->err);
  if (j->start)
    pthread_barrier_wait(j->start);
  if (j->status == SST_OK)
    j->status = sst_session_run(s, &j->params, &j->out, &j->err);
  sst_session_free(s);
  return NULL;
}

static void job_init(job *j, const sst_model *m, int w, int h, int seed) {
  memset(j, 0, sizeof *j);
  j->model = m;
  sst_image_alloc(&j->content, w, h);
  sst_image_alloc(&j->style, w * 3 / 4, h);
  test_image_fill(&j->content, seed);
  test_image_fill(&j->style, seed + 7);
  j->content_map = (sst_map){w, h, test_two_region_map(w, h), NULL};
  j->style_map = (sst_map){w * 3 / 4, h, test_two_region_map(w * 3 / 4, h), NULL};
  sst_params_default(&j->params);
}

static void job_free(job *j) {
  sst_image_free(&j->content);
  sst_image_free(&j->style);
  free((void *)j->content_map.rgb);
  free((void *)j->style_map.rgb);
  sst_image_free(&j->out);
}

/* Number of floats that differ in their bits (-1: sizes differ). */
static long bits_differ(const sst_image *a, const sst_image *b) {
  if (a->width != b->width || a->height != b->height || !a->rgb || !b->rgb)
    return -1;
  const size_t n = (size_t)a->width * a->height * 3;
  long d = 0;
  for (size_t i = 0; i < n; i++)
    d += memcmp(&a->rgb[i], &b->rgb[i], sizeof(float)) != 0;
  return d;
}

/* Runs j alone and moves its output to *out. */
static int run_alone(job *j, sst_image *out) {
  j->start = NULL;
  run_job(j);
  CHECK(j->status == SST_OK, "serial run failed: %s", j->err.msg);
  *out = j->out;
  memset(&j->out, 0, sizeof j->out);
  return j->status == SST_OK;
}

int main(void) {
  sst_model *m = test_model_load();
  if (!m)
    return 1;
  const int bf16 = sst_precision_available(SST_PRECISION_BF16);
  job a, b;
  /* sizes where both statistics passes split over 3 threads (>= 3 blocks
   * of 256 grid cells: 48x36 at relu3_1, 32x24 at relu4_1) */
  job_init(&a, m, 192, 144, 1);
  job_init(&b, m, 256, 192, 2);
  a.params.threads = 1;
  a.params.precision = SST_PRECISION_BF16; /* float32 where unavailable */
  b.params.threads = 3;
  b.params.precision = SST_PRECISION_FLOAT32;
  if (sst_model_has_layer(m, SST_RELU4_1))
    b.params.layer = SST_RELU4_1;
  printf("run a: 1 thread, %s; run b: 3 threads, float32, %s\n",
         bf16 ? "bf16" : "bf16 (runs as float32 on this CPU)",
         sst_layer_name(b.params.layer));

  sst_image want_a = {0}, want_b = {0};
  if (!run_alone(&a, &want_a) || !run_alone(&b, &want_b))
    return 1;

  /* Each run must depend on what the other would leak into it; a run
   * that cannot tell proves nothing. */
  sst_params own = a.params;
  sst_image cross = {0};
  a.params.threads = b.params.threads;
  a.params.precision = b.params.precision;
  run_alone(&a, &cross);
  long da = bits_differ(&want_a, &cross);
  sst_image_free(&cross);
  a.params = own;
  own = b.params;
  b.params.threads = a.params.threads;
  if (bf16)
    b.params.precision = a.params.precision;
  run_alone(&b, &cross);
  long db = bits_differ(&want_b, &cross);
  sst_image_free(&cross);
  b.params = own;
  printf("sensitivity: a with b's settings differs in %ld values, "
         "b with a's in %ld\n", da, db);
  CHECK(da > 0 && db > 0,
        "a run does not depend on the other run's settings, so this test "
        "could not see them leak (a: %ld, b: %ld values differ)", da, db);

  for (int r = 0; r < ROUNDS; r++) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    a.start = b.start = &start;
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_job, &a);
    pthread_create(&tb, NULL, run_job, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    CHECK(a.status == SST_OK && b.status == SST_OK,
          "concurrent runs failed: %s / %s", a.err.msg, b.err.msg);
    long xa = bits_differ(&a.out, &want_a), xb = bits_differ(&b.out, &want_b);
    printf("round %d: a differs from its serial run in %ld values, b in %ld\n",
           r, xa, xb);
    CHECK(xa == 0, "round %d: run a in parallel with b is not its serial "
          "output (%ld values differ)", r, xa);
    CHECK(xb == 0, "round %d: run b in parallel with a is not its serial "
          "output (%ld values differ)", r, xb);
    sst_image_free(&a.out);
    sst_image_free(&b.out);
  }
  sst_image_free(&want_a);
  sst_image_free(&want_b);
  job_free(&a);
  job_free(&b);
  sst_model_free(m);
  printf("%s\n", failures ? "FAILED" : "concurrent sessions match serial runs");
  return failures != 0;
}
