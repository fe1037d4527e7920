/* nn_testutil.h - helpers shared by the tests/nn programs.
 *
 * - A safetensors writer that can also produce deliberately broken files.
 * - The network tensor lists, written from the weights format contract
 *   independently of engine/nn.c, so the tests check nn.c's tables.
 * - The splitmix64 weight generator mirrored from tools/make_golden.py.
 * - Float comparison with max abs / rel error reporting. */
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H
#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

typedef struct {
  char name[64];
  char dtype[8];        /* "F32" "F16" "BF16" or anything (4 bytes/elem) */
  int ndim;
  int64_t shape[4];
  float *values;        /* count() values (owned by the caller) */
  int override_offsets; /* write begin/end below instead of the real ones */
  uint64_t begin, end;
} tw_tensor;

size_t tw_count(const tw_tensor *t);

/* Serialises tensors into a safetensors image.  meta is the JSON text of
 * the "__metadata__" object (NULL: no metadata).  Returns 0 on success. */
int tw_build(const tw_tensor *t, int n, const char *meta, unsigned char **out,
             size_t *len);
int tw_write(const char *path, const unsigned char *buf, size_t len);
/* tw_build + tw_write. */
int tw_save(const char *path, const tw_tensor *t, int n, const char *meta);

/* Fills t[0..] with every tensor of net ("encoder", "decoder_relu3_1",
 * "decoder_relu4_1"), dtype `dtype`, values from the make_golden.py hash
 * (allocated; free with tw_free).  Returns the count, 0 on error.  *sum gets
 * the float64 sum of all values (may be NULL). */
int tw_net(const char *net, const char *dtype, tw_tensor *t, int max,
           double *sum);
void tw_free(tw_tensor *t, int n);
/* Writes a complete weights file for net; returns 0 on success. */
int tw_save_net(const char *path, const char *net, const char *dtype,
                double *sum);
/* Default metadata text for net. */
const char *tw_meta(const char *net);

uint16_t tw_f16(float f);  /* round to nearest even */
uint16_t tw_bf16(float f); /* round to nearest even */

/* Compares got with want (n values): pass when every |g-w| <= atol +
 * rtol*|w|.  Prints "what: max abs err A, max rel err R (n values)" and
 * returns 0 on pass. */
int tw_compare(const char *what, const float *got, const float *want,
               size_t n, double atol, double rtol);

/* Progress callback recorder for the cancellation tests: counts calls,
 * clears `monotonic` if a fraction ever goes back, and asks to cancel from
 * call number cancel_at (1-based; 0 = never) or from the first fraction
 * >= cancel_from (0 = never). */
typedef struct {
  int calls, monotonic, cancel_at;
  float cancel_from, last;
} tw_progress_log;
int tw_on_progress(float fraction, const char *stage, void *user);

/* A fresh temporary directory (static buffer), or NULL. */
const char *tw_tmpdir(void);
/* Removes every file in dir, then dir itself. */
void tw_cleanup(const char *dir);
#endif
