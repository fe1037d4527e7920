/* gemm_avx512.h - what the engine's two AVX-512 kernels (gemm_f32.c,
 * gemm_bf16.c) share: lane masks for partial vectors and the store of an
 * 8 x 48 block of C.  Internal to those two files; defines
 * SST_AVX512_CODE where the compiler can build AVX-512 code at all. */
#ifndef SST_GEMM_AVX512_H
#define SST_GEMM_AVX512_H

/* What this CPU and OS run, probed once (gemm_f32.c): 0 no AVX-512 (or the
 * environment variable SST_NO_AVX512 is set and not "0", so that one
 * machine can test the other paths), 1 AVX-512 F, 2 also BW and BF16. */
int sst_avx512_level(void);

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "gemm_panel.h"

#define SST_AVX512_CODE 1

/* The first n of 16 lanes (none for n <= 0). */
static inline __mmask16 sst_lanes(int n) {
  return n >= 16 ? (__mmask16)0xffff
                 : (__mmask16)((1u << (n > 0 ? n : 0)) - 1);
}

/* Rows [0, mr) and columns [0, nc) of the block in acc into C (the rest
 * was computed from padding).  Always inlined, so acc stays in registers. */
__attribute__((target("avx512f"), always_inline)) static inline void
sst_store_block(__m512 acc[SST_PANEL_MR][3], float *c, size_t ldc, int mr,
                int nc) {
  const __mmask16 m0 = sst_lanes(nc), m1 = sst_lanes(nc - 16),
                  m2 = sst_lanes(nc - 32);
#pragma GCC unroll 8
  for (int i = 0; i < SST_PANEL_MR; i++) {
    if (i >= mr)
      break;
    float *ci = c + (size_t)i * ldc;
    _mm512_mask_storeu_ps(ci, m0, acc[i][0]);
    _mm512_mask_storeu_ps(ci + 16, m1, acc[i][1]);
    _mm512_mask_storeu_ps(ci + 32, m2, acc[i][2]);
  }
}
#endif
#endif
