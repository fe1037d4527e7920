/* fuzz_safetensors.c - a weights file from any bytes: sst_st_open must
 * accept it whole or refuse it with one line, and everything it accepted
 * must read back without going out of bounds. */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "safetensors.h"

/* The loader reads from a path: one in-memory file, rewritten per input
 * (a real file per run would make the fuzzer disk-bound). */
static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (memfd < 0) {
    memfd = memfd_create("fuzz-safetensors", 0);
    if (memfd < 0)
      abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
  }
  if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
    abort();
  sst_st_file *f = NULL;
  sst_error err = {0};
  if (sst_st_open(path, &f, &err) != SST_OK)
    return 0;
  sst_st_meta(f, "format");
  for (size_t i = 0; i < sst_st_count(f); i++) {
    const sst_st_tensor *t = sst_st_tensor_at(f, i);
    if (sst_st_find(f, t->name) == NULL)
      abort(); /* listed but not found */
    if (t->count > ((size_t)1 << 24))
      continue; /* valid but too large to be worth reading here */
    float *dst = malloc((t->count ? t->count : 1) * sizeof *dst);
    if (!dst)
      continue;
    sst_st_read_f32(f, t->name, t->ndim, t->shape, dst, &err);
    free(dst);
  }
  sst_st_check_all_used(f, "fuzz", &err);
  sst_st_close(f);
  return 0;
}
