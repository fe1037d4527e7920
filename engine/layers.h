/* layers.h - the building blocks of the encoder and decoders.
 *
 * All tensors are planar float32 C x H x W (tensor.h).  Output tensors are
 * allocated by the layer (the caller frees them with sst_tensor_free, also
 * after an error, which leaves them empty).  Weights use PyTorch's layout,
 * [cout, cin, kh, kw] row-major, which is already the [cout, cin*kh*kw]
 * matrix the sgemm formulation needs. */
#ifndef SST_LAYERS_H
#define SST_LAYERS_H
#include "progress.h"
#include "tensor.h"

/* Byte budget for the scratch buffers of one row band (im2col matrix plus
 * the band's sgemm result): scratch memory stays linear in the image width
 * (at least one row), never proportional to the pixel count. */
#define SST_CONV_BAND_BYTES ((size_t)8 << 20)

/* 3x3 convolution, reflection padding 1, stride 1, bias, optional ReLU.
 * weight: [cout, in->c, 3, 3]; bias: [cout].  Rows are processed in bands
 * (im2col + cblas_sgemm per band); p is ticked after every band and a
 * cancel request returns SST_ERR_CANCELLED.  A dimension of size 1 reflects
 * onto itself (PyTorch rejects it; the pipeline never produces one). */
sst_status sst_conv3x3(const sst_tensor *in, const float *weight,
                       const float *bias, int cout, int relu, sst_tensor *out,
                       sst_progress *p, sst_error *err);
/* Same with an explicit band height (rows per sgemm); 0 picks it from
 * SST_CONV_BAND_BYTES.  Exposed so tests can check that banding does not
 * change the result. */
sst_status sst_conv3x3_banded(const sst_tensor *in, const float *weight,
                              const float *bias, int cout, int relu,
                              int band_rows, sst_tensor *out, sst_progress *p,
                              sst_error *err);

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
