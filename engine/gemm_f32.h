/* gemm_f32.h - float32 matrix products on AVX-512 for the Winograd
 * convolutions, where the CPU has AVX-512 F.
 *
 * OpenBLAS 0.3.21 does not know recent CPUs (Zen 5 here) or is told by
 * the environment which kernels to use (OPENBLAS_CORETYPE=Haswell in this
 * workplace), and then multiplies with 8-wide AVX2 vectors on CPUs that
 * have 16-wide ones.  This kernel uses the 16-wide FMA whatever OpenBLAS
 * chose; it is the same float32 arithmetic (products summed in float32),
 * only the summation order differs.  Elsewhere the engine keeps OpenBLAS.
 *
 * A is row-major (the Winograd kernels as they are stored), B in panels
 * (gemm_panel.h), written there by the input transform. */
#ifndef SST_GEMM_F32_H
#define SST_GEMM_F32_H
#include <stddef.h>

#include "gemm_panel.h"

/* Non-zero when this CPU and OS run AVX-512 F (sst_avx512_level). */
int sst_f32_avx512_available(void);

/* C (m x n, ldc) = A (m x k, lda) B (k x n in panels). */
void sst_f32_gemm(int m, int n, int k, const float *a, size_t lda,
                  const float *b, float *c, size_t ldc);
#endif
