/* nn.h - the encoder and decoders: network tables, weights, forward passes.
 *
 * Encoder (VGG19 topology to relu4_1, reflection padding, input RGB [0,1]
 * planar): conv0 1x1 3->3 (input normalisation), conv1_1 3->64, conv1_2,
 * pool, conv2_1 64->128, conv2_2, pool, conv3_1 128->256 [relu3_1],
 * conv3_2, conv3_3, conv3_4, pool, conv4_1 256->512 [relu4_1].
 * Decoders mirror it with nearest x2 upsampling (see weights/README.md for
 * the tensor names).  Feature grids: relu3_1 is H/4 x W/4, relu4_1 H/8 x W/8
 * (floor), so the pipeline pads inputs to multiples of 8.
 *
 * Loading also pre-transforms every 3x3 kernel for Winograd F(4x4,3x3)
 * (conv_winograd.h): 4x the 3x3 weights' memory, about 56 MB for the
 * encoder.  Forward passes reuse large feature-map buffers through
 * conv_cache.h; sst_net_free returns them. */
#ifndef SST_NN_H
#define SST_NN_H
#include "context.h"
#include "tensor.h"

typedef struct sst_net sst_net;

/* Loads and validates a weights file for the encoder. */
sst_status sst_encoder_load(const char *path, sst_net **out, sst_error *err);
/* Loads and validates a decoder for the given feature layer. */
sst_status sst_decoder_load(const char *path, sst_layer layer, sst_net **out,
                            sst_error *err);
void sst_net_free(sst_net *n);

/* Geometry read from the network tables.  Side in image pixels of a
 * feature-grid cell of `layer` (4 for relu3_1, 8 for relu4_1); the
 * encoder's whole stride, to which images are padded (8); the receptive
 * radius in image pixels of the encoder up to `layer` or of its decoder,
 * whichever is larger (10 for relu3_1, 30 for relu4_1). */
int sst_net_layer_cell(sst_layer layer);
int sst_net_pad_multiple(void);
int sst_net_receptive_radius(sst_layer layer);

/* Encodes a 3 x H x W planar RGB tensor.  relu3_1 must be non-NULL; relu4_1
 * may be NULL (the forward pass then stops at relu3_1).  Outputs are
 * allocated here. */
sst_status sst_encoder_run(const sst_net *enc, const sst_tensor *rgb,
                           sst_tensor *relu3_1, sst_tensor *relu4_1,
                           sst_ctx *p, sst_error *err);
/* Decodes features to a 3 x (4h) x (4w) (relu3_1) or 3 x (8h) x (8w)
 * (relu4_1) planar RGB tensor (not clamped). */
sst_status sst_decoder_run(const sst_net *dec, const sst_tensor *feat,
                           sst_tensor *rgb, sst_ctx *p, sst_error *err);
#endif
