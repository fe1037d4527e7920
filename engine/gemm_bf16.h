/* gemm_bf16.h - matrix products with bfloat16 inputs and float32 sums, on
 * the AVX-512 BF16 dot-product instruction (vdpbf16ps).
 *
 * This is the engine's optional reduced-precision path (SST_PRECISION_BF16,
 * sst.h): the Winograd convolutions round their transformed inputs and
 * kernels to bfloat16 (8-bit significand, round to nearest even) and sum
 * the products in float32.  One vdpbf16ps does 32 multiply-adds where a
 * float32 FMA of the same width does 16, so on a CPU that runs both at
 * full 512-bit width the products take about half the time of float32
 * AVX-512 and a third of OpenBLAS's AVX2 kernel (bench/NOTES.md).
 *
 * Operands are "pair" words: one uint32_t holds two bfloat16 values, the
 * even index k in its low half and k + 1 in its high half, which is the
 * order vdpbf16ps multiplies and adds them in.
 *
 * All entry points run only where sst_bf16_available() says so; the code
 * is compiled for AVX-512 through function attributes, the rest of the
 * engine stays at the baseline instruction set. */
#ifndef SST_GEMM_BF16_H
#define SST_GEMM_BF16_H
#include <stddef.h>
#include <stdint.h>

#include "gemm_panel.h"

/* Non-zero when this CPU and OS run AVX-512 F, BW and BF16
 * (sst_avx512_level). */
int sst_bf16_available(void);

/* float32 -> bfloat16, round to nearest even (as vcvtne2ps2bf16; the
 * way back is sst_bf16_to_float in safetensors.h). */
uint16_t sst_bf16_round(float x);

/* Pair words of A (m x k row-major float32, lda) packed for
 * sst_bf16_gemm: blocks of SST_PANEL_MR rows, within a block pair p of row
 * i at [p * MR + i]; rows past m and the odd k's partner are zero.
 * sst_bf16_packed_a_words gives the size in uint32_t. */
size_t sst_bf16_packed_a_words(int m, int k);
void sst_bf16_pack_a(const float *a, int m, int k, size_t lda, uint32_t *dst);

/* B (kp pair rows x n columns) is in panels (gemm_panel.h, K = kp).
 * Words (p, t0 + i) = (r0[i], r1[i]) for i < n: two rows of B (inputs 2p
 * and 2p + 1) into pair row p.  r1 NULL stands for a row of zeros. */
void sst_bf16_pack_b(const float *r0, const float *r1, int n, int kp, int p,
                     int t0, uint32_t *b);
/* C (m x n float32, ldc) = A B, where A is packed (sst_bf16_pack_a, kp =
 * ceil(k / 2) pairs) and B is in panels. */
void sst_bf16_gemm(int m, int n, int kp, const uint32_t *a, const uint32_t *b,
                   float *c, size_t ldc);
#endif
