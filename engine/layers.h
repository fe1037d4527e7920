/* layers.h - the building blocks of the encoder and decoders.
 *
 * All tensors are planar float32 C x H x W (tensor.h).  Output tensors are
 * allocated by the layer (the caller frees them with sst_tensor_free, also
 * after an error, which leaves them empty).  Weights use PyTorch's layout,
 * [cout, cin, kh, kw] row-major, which is already the [cout, cin*kh*kw]
 * matrix the sgemm formulation needs. */
#ifndef SST_LAYERS_H
#define SST_LAYERS_H
#include "context.h"
#include "tensor.h"

/* Byte budget for the scratch buffers of one row band (im2col matrix plus
 * the band's sgemm result), per worker thread (conv_par.h): scratch memory
 * stays linear in the image width (at least one row), never proportional
 * to the pixel count. */
#define SST_CONV_BAND_BYTES ((size_t)8 << 20)

/* Reflection padding of 1: index i in [-1, n] into [0, n) (-1 -> 1,
 * n -> n-2; n == 1 -> 0, which PyTorch rejects and the pipeline never
 * produces). */
static inline int sst_reflect1(int i, int n) {
  if (n == 1)
    return 0;
  if (i < 0)
    return -i;
  if (i >= n)
    return 2 * n - 2 - i;
  return i;
}

/* 3x3 convolution, reflection padding 1, stride 1, bias, optional ReLU,
 * by im2col + sgemm (the reference path; nn.c picks between it and
 * Winograd with sst_conv_pick_winograd).  weight: [cout, in->c, 3, 3];
 * bias: [cout].  Rows are processed in bands (im2col + cblas_sgemm per
 * band) spread over the context's workers; p is ticked as bands
 * complete and a cancel request returns SST_ERR_CANCELLED.  Outputs come
 * from conv_cache.h (ordinary tensors).  A dimension of size 1 reflects
 * onto itself (PyTorch rejects it; the pipeline never produces one). */
sst_status sst_conv3x3(const sst_tensor *in, const float *weight,
                       const float *bias, int cout, int relu, sst_tensor *out,
                       sst_ctx *p, sst_error *err);
/* Same with an explicit band height (rows per sgemm); 0 picks it from
 * SST_CONV_BAND_BYTES.  Exposed so tests can check that banding does not
 * change the result. */
sst_status sst_conv3x3_banded(const sst_tensor *in, const float *weight,
                              const float *bias, int cout, int relu,
                              int band_rows, sst_tensor *out, sst_ctx *p,
                              sst_error *err);

/* Non-zero when a cin -> cout convolution over an h x w map should run as
 * Winograd under the context's path (context.h). */
int sst_conv_pick_winograd(const sst_ctx *ctx, int cin, int cout, int h,
                           int w);
/* Non-zero when it should run as tap planes (conv_taps.h): the automatic
 * rule only, for few output channels. */
int sst_conv_pick_taps(const sst_ctx *ctx, int cin, int cout);

/* 1x1 convolution with bias, optional ReLU.  weight: [cout, in->c]. */
sst_status sst_conv1x1(const sst_tensor *in, const float *weight,
                       const float *bias, int cout, int relu, sst_tensor *out,
                       sst_error *err);

/* In-place max(x, 0). */
void sst_relu(sst_tensor *t);

/* 2x2 max pooling, stride 2, floor mode: C x H/2 x W/2 (H, W >= 2). */
sst_status sst_maxpool2(const sst_tensor *in, sst_tensor *out, sst_error *err);

/* Nearest-neighbour x2 upsampling: C x 2H x 2W. */
sst_status sst_upsample2(const sst_tensor *in, sst_tensor *out,
                         sst_error *err);
#endif
