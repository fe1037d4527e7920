/* fuzz_json.c - the strict JSON parser of safetensors headers: any bytes
 * must parse or fail with a reason, never read or write out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

/* visits every value, so a broken tree (bad counts, dangling pointers)
 * is read by the sanitizers */
static size_t walk(const sst_json *v) {
  size_t n = 1;
  if (v->type == SST_JSON_STRING)
    n += strlen(v->str) <= v->len;
  if (v->type == SST_JSON_ARRAY || v->type == SST_JSON_OBJECT)
    for (size_t i = 0; i < v->n; i++) {
      n += walk(&v->items[i]);
      if (v->type == SST_JSON_OBJECT)
        n += sst_json_get(v, v->keys[i]) != NULL;
    }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[128];
  sst_json *v = sst_json_parse((const char *)data, size, why, sizeof why);
  if (v) {
    walk(v);
    sst_json_free(v);
  }
  return 0;
}
