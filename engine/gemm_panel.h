/* gemm_panel.h - the B-operand layout shared by the engine's own AVX-512
 * matrix kernels (gemm_bf16.c, gemm_f32.c).
 *
 * Both kernels hold an 8 x 48 block of C in 24 zmm registers and read B,
 * the K x n right-hand matrix, 48 columns at a time.  B is therefore
 * stored in panels of SST_PANEL_NR columns, each panel row-major over K,
 * so the kernel streams one panel contiguously and every block of 8 rows
 * of A reuses it from L1 or L2 (K * 192 bytes per panel).  Elements are
 * 32-bit words: a float, or a pair of bfloat16.  The Winograd input
 * transform writes its output straight into this layout. */
#ifndef SST_GEMM_PANEL_H
#define SST_GEMM_PANEL_H
#include <stddef.h>
#include <string.h>

#define SST_PANEL_MR 8  /* rows of C per kernel call */
#define SST_PANEL_NR 48 /* columns per panel of B (three 16-lane vectors) */

/* Word (row p, column t) of a K-row B in panels. */
static inline size_t sst_panel_index(int K, int p, int t) {
  return ((size_t)(t / SST_PANEL_NR) * (size_t)K + (size_t)p) * SST_PANEL_NR +
         (size_t)(t % SST_PANEL_NR);
}

/* Words of a K x n B, columns rounded up to whole panels. */
static inline size_t sst_panel_words(int K, int n) {
  return ((size_t)n + SST_PANEL_NR - 1) / SST_PANEL_NR * SST_PANEL_NR *
         (size_t)K;
}

/* Zeroes columns n .. the end of the last panel of a K x n B (4-byte
 * words): the kernels read them (their results are never stored), and
 * they stay defined and finite. */
static inline void sst_panel_clear_tail(int K, int n, void *b) {
  const int rest = (SST_PANEL_NR - n % SST_PANEL_NR) % SST_PANEL_NR;
  for (int p = 0; p < K && rest; p++)
    memset((char *)b + 4 * sst_panel_index(K, p, n), 0, 4 * (size_t)rest);
}
#endif
