/* gemm_bf16.c - bfloat16 products on AVX-512 BF16 (see gemm_bf16.h).
 *
 * The kernel keeps an 8 x 48 block of C in 24 zmm accumulators.  Per pair
 * p of the inner dimension it loads three vectors of B (16 columns x 2
 * inputs each) from a panel packed contiguously, and for each of the 8
 * rows broadcasts A's pair word and issues three vdpbf16ps: 24 dot
 * products of 32 multiply-adds against 3 vector loads and 8 broadcasts.
 * B arrives in panels of 48 columns (written so by the Winograd input
 * transform), and each panel serves every block of 8 rows from L1 or L2
 * (kp * 192 bytes: 48 KB at 512 input channels). */
#include <string.h>

#include "gemm_bf16.h"

#include "gemm_avx512.h"
#ifdef SST_AVX512_CODE
#define SST_HAVE_BF16_CODE 1
#define TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))
#endif

int sst_bf16_available(void) { return sst_avx512_level() >= 2; }

uint16_t sst_bf16_round(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN stays a (quiet) NaN */
    return (uint16_t)((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

static uint32_t pair(float lo, float hi) {
  return (uint32_t)sst_bf16_round(lo) | (uint32_t)sst_bf16_round(hi) << 16;
}

size_t sst_bf16_packed_a_words(int m, int k) {
  size_t blocks = ((size_t)m + SST_PANEL_MR - 1) / SST_PANEL_MR;
  return blocks * SST_PANEL_MR * (((size_t)k + 1) / 2);
}

void sst_bf16_pack_a(const float *a, int m, int k, size_t lda, uint32_t *dst) {
  const size_t kp = ((size_t)k + 1) / 2;
  const size_t blocks = ((size_t)m + SST_PANEL_MR - 1) / SST_PANEL_MR;
  for (size_t b = 0; b < blocks; b++)
    for (size_t p = 0; p < kp; p++)
      for (size_t i = 0; i < SST_PANEL_MR; i++) {
        const size_t row = b * SST_PANEL_MR + i;
        uint32_t w = 0;
        if (row < (size_t)m) {
          const float *r = a + row * lda;
          w = pair(r[2 * p], 2 * p + 1 < (size_t)k ? r[2 * p + 1] : 0.0f);
        }
        dst[(b * kp + p) * SST_PANEL_MR + i] = w;
      }
}

#ifdef SST_HAVE_BF16_CODE
/* Pair row p, columns t0 .. t0 + n - 1: 16 columns at a time, a run that
 * crosses a panel edge split there.  vcvtne2ps2bf16 puts r0's values in
 * the low half and r1's in the high half; vpermw interleaves them into
 * (r0[t], r1[t]) words. */
TARGET static void pack_b_avx512(const float *r0, const float *r1, int n,
                                 int kp, int p, int t0, uint32_t *b) {
  const __m512i order = _mm512_set_epi16(
      31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
      6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (int i = 0; i < n;) {
    const int t = t0 + i, edge = SST_PANEL_NR - t % SST_PANEL_NR;
    int len = n - i < 16 ? n - i : 16;
    if (len > edge)
      len = edge;
    const __mmask16 m = sst_lanes(len);
    __m512 x0 = _mm512_maskz_loadu_ps(m, r0 + i);
    __m512 x1 = r1 ? _mm512_maskz_loadu_ps(m, r1 + i) : _mm512_setzero_ps();
    __m512i h = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
    _mm512_mask_storeu_epi32(b + sst_panel_index(kp, p, t), m,
                             _mm512_permutexvar_epi16(order, h));
    i += len;
  }
}

/* C[0..mr) x [0..nc) = A block (8 rows) x panel; rows past mr and
 * columns past nc are computed from zero padding and not stored. */
TARGET static void kernel_8x48(int kp, const uint32_t *a,
                               const uint32_t *panel, float *c, size_t ldc,
                               int mr, int nc) {
  __m512 acc[SST_PANEL_MR][3];
#pragma GCC unroll 8
  for (int i = 0; i < SST_PANEL_MR; i++)
    acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
  for (int p = 0; p < kp; p++) {
    const uint32_t *bp = panel + (size_t)p * SST_PANEL_NR;
    const __m512bh b0 = (__m512bh)_mm512_load_si512(bp);
    const __m512bh b1 = (__m512bh)_mm512_load_si512(bp + 16);
    const __m512bh b2 = (__m512bh)_mm512_load_si512(bp + 32);
    const uint32_t *ap = a + (size_t)p * SST_PANEL_MR;
#pragma GCC unroll 8
    for (int i = 0; i < SST_PANEL_MR; i++) {
      const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)ap[i]);
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
      acc[i][2] = _mm512_dpbf16_ps(acc[i][2], ai, b2);
    }
  }
  sst_store_block(acc, c, ldc, mr, nc);
}
#endif

void sst_bf16_pack_b(const float *r0, const float *r1, int n, int kp, int p,
                     int t0, uint32_t *b) {
#ifdef SST_HAVE_BF16_CODE
  if (sst_bf16_available()) {
    pack_b_avx512(r0, r1, n, kp, p, t0, b);
    return;
  }
#endif
  for (int i = 0; i < n; i++)
    b[sst_panel_index(kp, p, t0 + i)] = pair(r0[i], r1 ? r1[i] : 0.0f);
}

void sst_bf16_gemm(int m, int n, int kp, const uint32_t *a, const uint32_t *b,
                   float *c, size_t ldc) {
#ifdef SST_HAVE_BF16_CODE
  for (int n0 = 0; n0 < n; n0 += SST_PANEL_NR) {
    const int nc = n - n0 < SST_PANEL_NR ? n - n0 : SST_PANEL_NR;
    const uint32_t *panel = b + sst_panel_index(kp, 0, n0);
    for (int m0 = 0; m0 < m; m0 += SST_PANEL_MR)
      kernel_8x48(kp, a + (size_t)m0 * (size_t)kp, panel,
                  c + (size_t)m0 * ldc + n0, ldc,
                  m - m0 < SST_PANEL_MR ? m - m0 : SST_PANEL_MR, nc);
  }
#else
  (void)m, (void)n, (void)kp, (void)a, (void)b, (void)c, (void)ldc;
#endif
}
