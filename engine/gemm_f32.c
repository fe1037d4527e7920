/* gemm_f32.c - float32 products on AVX-512 (see gemm_f32.h).
 *
 * The kernel keeps an 8 x 48 block of C in 24 zmm accumulators; per k it
 * loads three vectors of B's panel, broadcasts one element of each of the
 * 8 rows of A and issues 24 FMAs (768 flops against 3 loads and 8
 * broadcasts).  The 8 rows of A are read in place, 8 sequential streams;
 * rows past m repeat the last row and are not stored. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_f32.h"

#include "gemm_avx512.h"
#ifdef SST_AVX512_CODE
#define SST_HAVE_AVX512_CODE 1
#define TARGET __attribute__((target("avx512f")))
#endif

int sst_avx512_level(void) {
#ifdef SST_HAVE_AVX512_CODE
  /* -1: not asked yet; concurrent first calls compute the same answer.
   * libgcc's checks include the OS's XSAVE support for the zmm state. */
  static atomic_int level = -1;
  int v = atomic_load_explicit(&level, memory_order_relaxed);
  if (v < 0) {
    const char *off = getenv("SST_NO_AVX512");
    __builtin_cpu_init();
    v = 0;
    if (!(off && *off && strcmp(off, "0") != 0) &&
        __builtin_cpu_supports("avx512f"))
      v = __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512bf16")
              ? 2
              : 1;
    atomic_store_explicit(&level, v, memory_order_relaxed);
  }
  return v;
#else
  return 0;
#endif
}

int sst_f32_avx512_available(void) { return sst_avx512_level() >= 1; }

#ifdef SST_HAVE_AVX512_CODE
TARGET static void kernel_8x48(int k, const float *a, size_t lda,
                               const float *panel, float *c, size_t ldc,
                               int mr, int nc) {
  const float *row[SST_PANEL_MR];
  for (int i = 0; i < SST_PANEL_MR; i++)
    row[i] = a + (size_t)(i < mr ? i : mr - 1) * lda;
  __m512 acc[SST_PANEL_MR][3];
#pragma GCC unroll 8
  for (int i = 0; i < SST_PANEL_MR; i++)
    acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
  for (int p = 0; p < k; p++) {
    const float *bp = panel + (size_t)p * SST_PANEL_NR;
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
    const __m512 b2 = _mm512_load_ps(bp + 32);
#pragma GCC unroll 8
    for (int i = 0; i < SST_PANEL_MR; i++) {
      const __m512 ai = _mm512_set1_ps(row[i][p]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
    }
  }
  sst_store_block(acc, c, ldc, mr, nc);
}
#endif

void sst_f32_gemm(int m, int n, int k, const float *a, size_t lda,
                  const float *b, float *c, size_t ldc) {
#ifdef SST_HAVE_AVX512_CODE
  for (int n0 = 0; n0 < n; n0 += SST_PANEL_NR) {
    const int nc = n - n0 < SST_PANEL_NR ? n - n0 : SST_PANEL_NR;
    const float *panel = b + sst_panel_index(k, 0, n0);
    for (int m0 = 0; m0 < m; m0 += SST_PANEL_MR)
      kernel_8x48(k, a + (size_t)m0 * lda, lda, panel,
                  c + (size_t)m0 * ldc + n0, ldc,
                  m - m0 < SST_PANEL_MR ? m - m0 : SST_PANEL_MR, nc);
  }
#else
  (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)c, (void)ldc;
#endif
}
