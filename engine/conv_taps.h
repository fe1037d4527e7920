/* conv_taps.h - 3x3 convolutions with few output channels.
 *
 * The decoders end in a 64 -> 3 convolution at full resolution.  Winograd
 * spends its time there on the 64-channel input transform for 3 outputs,
 * im2col on copying 576 values a pixel; here one sgemm makes the 9 * cout
 * "tap planes" P[co, t] = W[co, :, t] . x (K = cin), and each output pixel
 * is the bias plus the sum of its 9 taps read at the shifted, reflected
 * positions.  At 400 x 300 it took the layer from 11-14 ms (Winograd) to
 * the figure in bench/NOTES.md. */
#ifndef SST_CONV_TAPS_H
#define SST_CONV_TAPS_H
#include "context.h"
#include "tensor.h"

/* Up to this many output channels the tap planes pay (auto rule in
 * layers.c). */
#define SST_TAPS_MAX_COUT 4

/* Same contract as sst_conv3x3 (layers.h): reflection padding 1, bias,
 * optional ReLU, weight [cout, in->c, 3, 3], output from conv_cache.h. */
sst_status sst_conv3x3_taps(const sst_tensor *in, const float *weight,
                            const float *bias, int cout, int relu,
                            sst_tensor *out, sst_ctx *p, sst_error *err);
#endif
