/* safetensors.h - validated reading of .safetensors weight files.
 *
 * File layout: u64 little-endian header length N, N bytes of JSON header,
 * then the raw little-endian tensor data.  sst_st_open reads the file and
 * checks every structural property up front (header bounds, JSON syntax,
 * dtype in {F32, F16, BF16}, shape x dtype size == byte range, ranges inside
 * the data area), so later lookups cannot read out of bounds.  Values are
 * converted to float32 by sst_st_read_f32, which also rejects NaN/Inf.
 * Every failure is one line naming the file (and tensor). */
#ifndef SST_SAFETENSORS_H
#define SST_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#include "sst.h"

#define SST_ST_MAX_DIMS 8
#define SST_ST_MAX_HEADER (100u * 1024u * 1024u)

typedef enum { SST_DT_F32, SST_DT_F16, SST_DT_BF16 } sst_dtype;

typedef struct {
  char *name;
  sst_dtype dtype;
  int ndim;
  int64_t shape[SST_ST_MAX_DIMS];
  size_t count;        /* product of shape */
  size_t begin, end;   /* byte range inside the data area */
  int used;            /* set by sst_st_read_f32, for "extra tensor" checks */
} sst_st_tensor;

typedef struct sst_st_file sst_st_file;

sst_status sst_st_open(const char *path, sst_st_file **out, sst_error *err);
void sst_st_close(sst_st_file *f);

/* Short file name used in messages (the path's last component). */
const char *sst_st_name(const sst_st_file *f);
/* "__metadata__" string value, or NULL when absent / not a string. */
const char *sst_st_meta(const sst_st_file *f, const char *key);
size_t sst_st_count(const sst_st_file *f);
const sst_st_tensor *sst_st_tensor_at(const sst_st_file *f, size_t i);
const sst_st_tensor *sst_st_find(const sst_st_file *f, const char *name);
const char *sst_dtype_name(sst_dtype d);

/* Reads tensor `name`, which must exist with exactly the given shape, into
 * dst (count floats) as float32 and marks it used.  SST_ERR_FORMAT on a
 * missing tensor, a shape mismatch or a non-finite value. */
sst_status sst_st_read_f32(sst_st_file *f, const char *name, int ndim,
                           const int64_t *shape, float *dst, sst_error *err);

/* SST_ERR_FORMAT naming the first tensor that sst_st_read_f32 never read
 * (an unexpected extra tensor for network `net`). */
sst_status sst_st_check_all_used(const sst_st_file *f, const char *net,
                                 sst_error *err);

/* IEEE half / bfloat16 bit patterns to float (exact). */
float sst_half_to_float(uint16_t h);
float sst_bf16_to_float(uint16_t h);
#endif
