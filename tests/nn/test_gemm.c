/* test_gemm.c - the engine's own AVX-512 product kernels (gemm_bf16.c,
 * gemm_f32.c) against references computed here.
 *
 * Rounding: sst_bf16_round and the AVX-512 pair packing against a
 * bfloat16 rounding written independently in double arithmetic (frexp +
 * rint), including exact ties, which must go to even.
 *
 * Products: for awkward shapes (m, n not multiples of the 8 x 48 block, odd
 * k, leading dimensions wider than the matrix, B runs that start inside a
 * panel) C must equal the float64 product of the kernel's inputs (for
 * bf16: the *rounded* inputs) to within float32 summation error,
 * k * 2^-23 * sum |a b| per element: a tight check of the kernels'
 * indexing, since every wrong or missing term is of the order of the
 * terms themselves.  Cells beside C must keep their sentinel.
 *
 * On a CPU without AVX-512 (BF16) a kernel cannot run: the rounding and
 * the portable packing are still checked, and the program says which
 * kernels it could not run. */
#include "../check.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_bf16.h"
#include "gemm_f32.h"
#include "safetensors.h" /* sst_bf16_to_float */

static uint64_t rng = 0x2545F4914F6CDD1Du;
static double urand(void) { /* splitmix64 -> [0, 1) */
  uint64_t z = (rng += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* x rounded to 8 significant bits, ties to even (rint's default mode). */
static double ref_round(double x) {
  if (x == 0)
    return x;
  int e;
  frexp(x, &e); /* x = f * 2^e, 0.5 <= |f| < 1 */
  const double ulp = ldexp(1.0, e - 8);
  return rint(x / ulp) * ulp;
}

static void test_rounding(int vector) {
  enum { N = 4000 };
  static float x[N];
  int n = 0;
  /* exact ties: 1 + 2^-8 (-> 1), 1 + 3*2^-8 (-> 1 + 2^-6), and scaled */
  const float ties[] = {1.00390625f, 1.01171875f, -3.0234375f, 0.0f, -0.0f,
                        65536.0f * 1.00390625f, 1.0f / 1024 * 1.01171875f};
  for (size_t i = 0; i < sizeof ties / sizeof *ties; i++)
    x[n++] = ties[i];
  while (n < N) /* magnitudes 2^-20 .. 2^20, both signs */
    x[n++] = (float)((urand() < 0.5 ? -1 : 1) * ldexp(1 + urand(), (int)(urand() * 40) - 20));
  int bad = 0;
  for (int i = 0; i < N; i++) {
    const double want = ref_round(x[i]);
    bad += (double)sst_bf16_to_float(sst_bf16_round(x[i])) != want;
  }
  CHECK(bad == 0, "sst_bf16_round: %d of %d values differ from the reference", bad, N);
  /* pair packing: low half = r0, high half = r1, at the panel index of
   * each column (kp = 2, pair row 1, runs starting mid-panel) */
  const int kp = 2, t0 = 29;
  uint32_t *w = malloc(sst_panel_words(kp, t0 + 120) * sizeof *w);
  int badp = 0;
  for (int len = 1; len <= 120; len += 17) {
    sst_bf16_pack_b(x, x + 2000, len, kp, 1, t0, w);
    for (int t = 0; t < len; t++) {
      const uint32_t v = w[sst_panel_index(kp, 1, t0 + t)];
      badp += (double)sst_bf16_to_float((uint16_t)(v & 0xffffu)) != ref_round(x[t]) ||
              (double)sst_bf16_to_float((uint16_t)(v >> 16)) != ref_round(x[2000 + t]);
    }
    sst_bf16_pack_b(x, NULL, len, kp, 1, t0, w);
    for (int t = 0; t < len; t++)
      badp += (w[sst_panel_index(kp, 1, t0 + t)] >> 16) != 0;
  }
  CHECK(badp == 0, "sst_bf16_pack_b (%s): %d words wrong", vector ? "AVX-512" : "portable",
        badp);
  free(w);
  printf("%s bfloat16 rounding (%d values, ties to even) and pair packing (%s)\n",
         bad || badp ? "FAIL" : "ok  ", N, vector ? "AVX-512" : "portable");
}

typedef struct {
  int m, n, k;
} dims;

static double worst_ratio = 0; /* max |err| / bound seen */

/* C (d.m + 1 rows of ldc, sentinel -12345 outside m x n) against the
 * float64 product of A (lda) and B (k x n row-major), their elements
 * rounded to bfloat16 first when `rounded`; prints one line. */
static void check_c(const char *what, dims d, const float *a, size_t lda,
                    const float *b, int rounded, const float *c, size_t ldc) {
  int bad = 0, touched = 0;
  double ratio = 0;
  for (int i = 0; i < d.m + 1; i++)
    for (size_t j = 0; j < ldc; j++) {
      const float got = c[(size_t)i * ldc + j];
      if (i >= d.m || j >= (size_t)d.n) {
        touched += got != -12345.0f;
        continue;
      }
      double ref = 0, mag = 0;
      for (int q = 0; q < d.k; q++) {
        double x = a[(size_t)i * lda + q], y = b[(size_t)q * d.n + j];
        double t = rounded ? ref_round(x) * ref_round(y) : x * y;
        ref += t;
        mag += fabs(t);
      }
      const double r = fabs((double)got - ref) / (d.k * ldexp(1.0, -23) * mag + 1e-30);
      bad += !(r <= 1.0);
      ratio = isnan(r) ? r : fmax(ratio, r);
    }
  CHECK(bad == 0, "%s gemm %dx%dx%d: %d elements beyond the float32 summation bound "
        "(worst %.3g x bound)", what, d.m, d.n, d.k, bad, ratio);
  CHECK(touched == 0, "%s gemm %dx%dx%d: %d cells outside C written", what, d.m, d.n, d.k,
        touched);
  printf("%s %s m %3d n %3d k %3d: worst error %.3f of the summation bound\n",
         bad || touched ? "FAIL" : "ok  ", what, d.m, d.n, d.k, ratio);
  worst_ratio = isnan(ratio) ? ratio : fmax(worst_ratio, ratio);
}

static void test_product(dims d) {
  const int kp = (d.k + 1) / 2;
  const size_t lda = (size_t)d.k + 5, ldc = (size_t)d.n + 3;
  const int rows_c = d.m + 1; /* one sentinel row below C */
  float *a = malloc((size_t)d.m * lda * sizeof *a);
  float *b = malloc((size_t)(2 * kp) * (size_t)d.n * sizeof *b);
  float *c = malloc((size_t)rows_c * ldc * sizeof *c);
  uint32_t *ap = aligned_alloc(64, (sst_bf16_packed_a_words(d.m, d.k) * 4 + 63) & ~(size_t)63);
  const size_t bwords = sst_panel_words(kp, d.n);
  uint32_t *bp = aligned_alloc(64, bwords * sizeof *bp);
  for (size_t i = 0; i < bwords; i++) /* NaN: the tail must be cleared */
    bp[i] = 0x7fc07fc0u;
  for (size_t i = 0; i < (size_t)d.m * lda; i++)
    a[i] = (float)(2 * urand() - 1);
  for (size_t i = 0; i < (size_t)(2 * kp) * (size_t)d.n; i++)
    b[i] = (float)urand();
  for (size_t i = 0; i < (size_t)rows_c * ldc; i++)
    c[i] = -12345.0f;
  sst_bf16_pack_a(a, d.m, d.k, lda, ap);
  /* B rows 2p, 2p+1 (an odd k has no partner), in two runs per row that
   * need not start at a panel edge */
  const int cut = d.n / 3;
  for (int p = 0; p < kp; p++) {
    const float *r0 = b + (size_t)(2 * p) * d.n;
    const float *r1 = 2 * p + 1 < d.k ? b + (size_t)(2 * p + 1) * d.n : NULL;
    sst_bf16_pack_b(r0, r1, cut, kp, p, 0, bp);
    sst_bf16_pack_b(r0 + cut, r1 ? r1 + cut : NULL, d.n - cut, kp, p, cut, bp);
  }
  sst_panel_clear_tail(kp, d.n, bp);
  int tail_bad = 0;
  for (int p = 0; p < kp; p++)
    for (int t = d.n; (size_t)t < bwords / kp; t++)
      tail_bad += bp[sst_panel_index(kp, p, t)] != 0;
  CHECK(tail_bad == 0, "bf16 B tail: %d words not cleared", tail_bad);
  sst_bf16_gemm(d.m, d.n, kp, ap, bp, c, ldc);
  check_c("bf16   ", d, a, lda, b, 1, c, ldc);
  free(a);
  free(b);
  free(c);
  free(ap);
  free(bp);
}

/* The float32 kernel: A row-major (lda > k), B in panels written by
 * columns runs as the Winograd transform does, tail cleared. */
static void test_product_f32(dims d) {
  const size_t lda = (size_t)d.k + 3, ldc = (size_t)d.n + 5;
  const int rows_c = d.m + 1;
  float *a = malloc((size_t)d.m * lda * sizeof *a);
  float *b = malloc((size_t)d.k * (size_t)d.n * sizeof *b);
  float *c = malloc((size_t)rows_c * ldc * sizeof *c);
  const size_t bwords = sst_panel_words(d.k, d.n);
  float *bp = aligned_alloc(64, bwords * sizeof *bp);
  for (size_t i = 0; i < (size_t)d.m * lda; i++)
    a[i] = (float)(2 * urand() - 1);
  for (size_t i = 0; i < (size_t)d.k * (size_t)d.n; i++)
    b[i] = (float)urand();
  for (size_t i = 0; i < (size_t)rows_c * ldc; i++)
    c[i] = -12345.0f;
  for (size_t i = 0; i < bwords; i++)
    bp[i] = NAN; /* the tail must be cleared */
  for (int p = 0; p < d.k; p++)
    for (int t = 0; t < d.n; t++)
      bp[sst_panel_index(d.k, p, t)] = b[(size_t)p * d.n + t];
  sst_panel_clear_tail(d.k, d.n, bp);
  sst_f32_gemm(d.m, d.n, d.k, a, lda, bp, c, ldc);
  check_c("float32", d, a, lda, b, 0, c, ldc);
  free(a);
  free(b);
  free(c);
  free(bp);
}

int main(void) {
  const int vector = sst_bf16_available();
  const dims shapes[] = {{1, 1, 1},    {5, 15, 3},   {8, 16, 2},    {8, 48, 64},
                         {13, 47, 17}, {16, 49, 33}, {64, 300, 128}, {24, 97, 255},
                         {3, 130, 512}, {9, 96, 1}};
  const size_t nshapes = sizeof shapes / sizeof *shapes;
  test_rounding(vector);
  if (sst_f32_avx512_available())
    for (size_t i = 0; i < nshapes; i++)
      test_product_f32(shapes[i]);
  else
    printf("this CPU has no AVX-512: the float32 kernel cannot run here (the "
           "engine uses OpenBLAS instead)\n");
  if (vector)
    for (size_t i = 0; i < nshapes; i++)
      test_product(shapes[i]);
  else
    printf("this CPU has no AVX-512 BF16: the bf16 kernel cannot run here "
           "(the engine runs such requests in float32; nn_winograd checks that)\n");
  printf("worst error: %.3f of the bound\n", worst_ratio);
  printf("%s\n", failures ? "FAILED" : "all product kernel checks passed");
  return failures ? 1 : 0;
}
