/* conv_winograd.h - 3x3 stride-1 convolutions by Winograd F(4x4, 3x3).
 *
 * Each 4x4 output tile comes from a 6x6 input tile: the input tile and the
 * 3x3 kernel are mapped to 6x6 "Winograd domain" matrices (V = B' d B,
 * U = G g G'), multiplied elementwise and summed over input channels, and
 * mapped back (Y = A' M A).  Summing over channels for one of the 36
 * positions is a [cout x cin] x [cin x tiles] matrix product, so the work is
 * 36 products per band of tiles with 36*cin*cout*tiles multiply-adds
 * instead of the direct 9*16*cin*cout*tiles: 4x fewer.  The products run
 * on the engine's AVX-512 kernel where the CPU has AVX-512 F (gemm_f32.h),
 * else on OpenBLAS's sgemm, or in bfloat16 when asked (gemm_bf16.h).  The price is a
 * larger float32 round-off (the transforms have entries up to 8): see
 * bench/NOTES.md ("Convolutions") and tests/nn/test_winograd.c for the
 * measured errors.
 *
 * Same semantics as sst_conv3x3 (layers.h): reflection padding 1, bias,
 * optional ReLU, progress ticks and cancellation per band. */
#ifndef SST_CONV_WINOGRAD_H
#define SST_CONV_WINOGRAD_H
#include <stdint.h>

#include "context.h"
#include "tensor.h"

/* Scratch budget of one band of tile rows per worker thread (transformed
 * inputs and the products): a band is at least one tile row, so scratch
 * memory is bounded by threads * max(budget, one row of tiles), linear in
 * the width, never in the area.  16 MiB gives the deep layers (cin + cout
 * = 384..768) products over 150-300 tiles; 4 MiB left them at 50 tiles and
 * measured ~10-20% slower there (bench/NOTES.md). */
#define SST_WINO_BAND_BYTES ((size_t)16 << 20)

/* Kernels transformed once (at model load): u[(xi*cout + co)*cin + ci] for
 * the 36 Winograd positions xi, i.e. 36 row-major cout x cin matrices. */
typedef struct {
  int cin, cout;
  float *u;
  /* The same kernels rounded to bfloat16 and packed for sst_bf16_gemm
   * (gemm_bf16.h), one block per position: made on the first
   * reduced-precision run (a context asking for bf16), so float32 users never
   * hold them. */
  _Atomic(uint32_t *) u16;
} sst_wino_weights;

/* weight: PyTorch layout [cout, cin, 3, 3].  Computed in double. */
sst_status sst_wino_weights_init(sst_wino_weights *wt, const float *weight,
                                 int cin, int cout, sst_error *err);
void sst_wino_weights_free(sst_wino_weights *wt);

/* band_tile_rows: tile rows (4 output rows each) per band; 0 picks it from
 * SST_WINO_BAND_BYTES.  in->c must equal wt->cin. */
sst_status sst_conv3x3_winograd(const sst_tensor *in,
                                const sst_wino_weights *wt, const float *bias,
                                int relu, int band_tile_rows, sst_tensor *out,
                                sst_ctx *p, sst_error *err);

/* A layer fused into the convolution, so that the large map between them
 * never exists (it was a fresh 123 MB at 800x600 for each of them, and
 * first-touch page faults were a fifth of a one-shot run):
 *   SST_WINO_UPSAMPLED_INPUT  the input is upsampled 2x (nearest) first:
 *                             in is h/2 x w/2, the output h x w;
 *   SST_WINO_POOLED_OUTPUT    the output is 2x2 max-pooled (floor), as
 *                             sst_maxpool2 does.
 * Results are bit-identical to the separate layers. */
typedef enum {
  SST_WINO_PLAIN = 0,
  SST_WINO_UPSAMPLED_INPUT,
  SST_WINO_POOLED_OUTPUT
} sst_wino_fuse;

sst_status sst_conv3x3_winograd_fused(const sst_tensor *in,
                                      const sst_wino_weights *wt,
                                      const float *bias, int relu,
                                      int band_tile_rows, sst_wino_fuse fuse,
                                      sst_tensor *out, sst_ctx *p,
                                      sst_error *err);
#endif
