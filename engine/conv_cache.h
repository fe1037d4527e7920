/* conv_cache.h - reuse of large feature-map and scratch buffers.
 *
 * Every layer of a forward pass used to get its output (and its scratch)
 * straight from malloc, i.e. from fresh mmap pages, and free the previous
 * one back to the kernel.  First-touch page faults of fresh pages are very
 * slow in virtual machines: on the 2-core bench VM, writing 123 MB (one
 * 64 x 600 x 800 map) for the first time took 1.4-2 s against 0.03 s for
 * rewriting it (bench/NOTES.md, "Convolutions").  This small cache keeps a
 * few large freed blocks for the next allocation of a similar size, so a
 * forward pass touches fresh memory only for its first few layers.
 *
 * Tensors from sst_fmap_alloc are ordinary tensors: sst_tensor_free is
 * always correct; sst_fmap_recycle is the variant that keeps the storage.
 * Thread-safe (one mutex). */
#ifndef SST_CONV_CACHE_H
#define SST_CONV_CACHE_H
#include "tensor.h"

/* Like sst_tensor_alloc, taking a cached block of c*h*w .. 2*c*h*w floats
 * when there is one. */
sst_status sst_fmap_alloc(sst_tensor *t, int c, int h, int w, sst_error *err);
/* A layer's output map (c x h x w) and its scratch of at least `floats`
 * floats (a tensor of 1024-float rows, so that it is recycled like any
 * map), both from the cache; on failure neither is held. */
sst_status sst_fmap_layer(sst_tensor *out, int c, int h, int w,
                          sst_tensor *scratch, size_t floats, sst_error *err);
/* After the layer ran with status s: the scratch goes back to the cache,
 * and so does out when s is a failure.  Returns s. */
sst_status sst_fmap_layer_done(sst_tensor *out, sst_tensor *scratch,
                               sst_status s);
/* Frees t (leaving it empty), keeping storage of >= 1 MiB in the cache (at
 * most SST_FMAP_CACHE_SLOTS blocks; the smallest are dropped first). */
void sst_fmap_recycle(sst_tensor *t);
/* Returns every cached block to the system (sst_net_free calls it). */
void sst_fmap_trim(void);

#define SST_FMAP_CACHE_SLOTS 6
#endif
