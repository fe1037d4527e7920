/* test_cancel.c - progress reporting and cancellation of sst_reconstruct. */
#include "recon_test_util.h"
#include "context.h" /* sst_now */
#include "reconstruct.h"

enum { C = 12, N = 400, M = 300 };
static float fc[C * N], fs[C * M], wc[2 * N], out[C * N];

typedef struct {
  int calls, cancel_after, monotone;
  float last, first;
} probe;

static int cb(float f, const char *stage, void *user) {
  probe *p = user;
  if (p->calls == 0)
    p->first = f;
  if (f < p->last - 1e-6f || f < 0.0f || f > 1.0f || !stage)
    p->monotone = 0;
  p->last = f;
  p->calls++;
  return p->cancel_after >= 0 && p->calls > p->cancel_after;
}

static sst_ctx make_prog(probe *p, int cancel_after) {
  memset(p, 0, sizeof *p);
  p->cancel_after = cancel_after;
  p->monotone = 1;
  sst_ctx pr = {.fn = cb, .user = p, .stage = "reconstruct", .lo = 0.0f, .hi = 1.0f};
  return pr;
}

int main(void) {
  rng_seed(99);
  fill_relu(fc, C * N, 1.0, 0.1);
  fill_relu(fs, C * M, 2.0, 0.5);
  for (int i = 0; i < N; i++) {
    wc[i] = i < N / 2 ? 1.0f : 0.0f;
    wc[N + i] = 1.0f - wc[i];
  }
  sst_error err = {0};
  sst_recon_stats *st = stats_or_fail(fc, C, N, wc, fs, M, NULL, 2);
  if (!st)
    return 1;
  const sst_kernel ks[] = {SST_KERNEL_POLY, SST_KERNEL_BN, SST_KERNEL_GAUSSIAN};
  for (int q = 0; q < 3; q++) {
    sst_recon_params p = {ks[q], 5.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    probe pb;
    sst_ctx pr = make_prog(&pb, 0); /* cancel at the first report */
    sst_status rc = sst_reconstruct(st, &p, out, &pr, &err);
    CHECK(rc == SST_ERR_CANCELLED, "kernel %d: cancel gave %d", ks[q], rc);
    CHECK(pb.calls == 1, "kernel %d: %d callbacks after cancelling", ks[q],
          pb.calls);
    pr = make_prog(&pb, 0);
    rc = sst_reconstruct_plain(st, &p, out, &pr, &err);
    CHECK(rc == SST_ERR_CANCELLED, "plain kernel %d: cancel gave %d", ks[q],
          rc);
    /* never cancelled: reports in [0,1], non-decreasing, ending at 1 */
    pr = make_prog(&pb, -1);
    rc = sst_reconstruct(st, &p, out, &pr, &err);
    CHECK(rc == SST_OK, "kernel %d: %s", ks[q], err.msg);
    CHECK(pb.calls >= 2 && pb.monotone && pb.last == 1.0f && pb.first < 0.5f,
          "kernel %d: %d reports, monotone %d, first %g last %g", ks[q],
          pb.calls, pb.monotone, pb.first, pb.last);
    printf("kernel %d: cancel -> SST_ERR_CANCELLED (%s); uncancelled run: %d "
           "reports from %.2f to %.2f\n",
           ks[q], err.msg, pb.calls, pb.first, pb.last);
  }
  /* A cancel in the middle of long solves (two regions, which run on two
   * workers with the calling thread watching) stops both regions: without
   * that this run would take minutes and hit the test's timeout. */
  for (int q = 0; q < 2; q++) {
    sst_kernel k = q ? SST_KERNEL_BN : SST_KERNEL_POLY;
    sst_recon_params p = {k, 5.0, 0.0, SST_KERNEL_NONE, 0.0, 100000, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
    probe pb;
    sst_ctx pr = make_prog(&pb, 3); /* the 4th report cancels */
    double t0 = sst_now();
    sst_status rc = sst_reconstruct(st, &p, out, &pr, &err);
    CHECK(rc == SST_ERR_CANCELLED, "kernel %d: mid-solve cancel gave %d", k,
          rc);
    CHECK(pb.calls == 4, "kernel %d: %d callbacks, 4 expected", k, pb.calls);
    printf("kernel %d, 100000 iterations: cancelled at the 4th report after "
           "%.3f s\n",
           k, sst_now() - t0);
  }
  /* A cancelled run leaves a stats object that still works. */
  sst_recon_params p = {SST_KERNEL_POLY, 5.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "%s", err.msg);
  sst_recon_stats_free(st);
  printf(failures ? "recon_cancel: %d FAILURES\n"
                    : "recon_cancel: all passed\n",
         failures);
  return failures ? 1 : 0;
}
