/* tensor.h - planar float32 feature maps (C x H x W, channel-major).
 * A C x H x W tensor is also the C x N matrix (N = H*W) the reconstruction
 * works on: element (c, i) lives at data[c*N + i]. */
#ifndef SST_TENSOR_H
#define SST_TENSOR_H
#include "sst.h"

typedef struct {
  int c, h, w;
  float *data; /* c*h*w floats, 64-byte aligned, owned */
} sst_tensor;

/* Allocates (uninitialised) storage; returns SST_ERR_NOMEM on failure. */
sst_status sst_tensor_alloc(sst_tensor *t, int c, int h, int w, sst_error *err);
void sst_tensor_free(sst_tensor *t);
static inline size_t sst_tensor_size(const sst_tensor *t) {
  return (size_t)t->c * (size_t)t->h * (size_t)t->w;
}
#endif
