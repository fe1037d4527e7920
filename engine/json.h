/* json.h - a small strict JSON parser for safetensors headers.
 *
 * Parses one complete JSON document (RFC 8259: objects, arrays, strings with
 * all escapes including surrogate pairs, numbers, true/false/null) into a
 * tree.  Strict on purpose: a weights header is machine-written, so anything
 * unusual (trailing commas, duplicate object keys, control characters in
 * strings, leading zeros, garbage after the document, nesting deeper than 32)
 * is an error rather than something to guess about. */
#ifndef SST_JSON_H
#define SST_JSON_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
  SST_JSON_NULL,
  SST_JSON_BOOL,
  SST_JSON_NUMBER,
  SST_JSON_STRING,
  SST_JSON_ARRAY,
  SST_JSON_OBJECT
} sst_json_type;

typedef struct sst_json sst_json;
struct sst_json {
  sst_json_type type;
  int boolean;        /* SST_JSON_BOOL */
  double number;      /* SST_JSON_NUMBER */
  int is_int;         /* number is an integer literal that fits int64 */
  int64_t integer;    /* valid when is_int */
  char *str;          /* SST_JSON_STRING: NUL-terminated UTF-8 */
  size_t len;         /* string length in bytes (may contain \u0000) */
  size_t n;           /* ARRAY/OBJECT: number of items */
  sst_json *items;    /* ARRAY/OBJECT: n values */
  char **keys;        /* OBJECT: n NUL-terminated keys */
};

/* Parses text[0..len).  Returns NULL on error and writes a short reason
 * (with the byte offset) into why[why_size].  Free with sst_json_free. */
sst_json *sst_json_parse(const char *text, size_t len, char *why,
                         size_t why_size);
void sst_json_free(sst_json *v);
/* Object member lookup; NULL when absent or v is not an object. */
const sst_json *sst_json_get(const sst_json *v, const char *key);
#endif
