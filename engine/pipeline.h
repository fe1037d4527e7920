/* pipeline.h - what the session (pipeline.c) shows beyond sst.h, for the
 * engine's tests: how often it encoded and built statistics, so a test can
 * check which setting changes reuse the cached work (the live preview's
 * speed rests on it) and which redo it. */
#ifndef SST_PIPELINE_H
#define SST_PIPELINE_H
#include <stddef.h>

#include "sst.h"

typedef struct {
  int content_encodes; /* encoder runs on the content side */
  int style_encodes;   /* ... on the style side */
  int stats_builds;    /* region statistics computed */
  int streamed_stats;  /* ... of them on spilled content (SST_SPILL_BYTES) */
  int repeat_encodes;  /* ... on a repeated pass's content (passes > 1) */
} sst_session_counts;

/* Totals since sst_session_new. */
void sst_session_counts_get(const sst_session *s, sst_session_counts *out);

/* Tiled content features larger than this many bytes are kept in an
 * unlinked temporary file instead of memory (spill.h), and streamed from
 * it by the statistics and the decoder.  256 MiB: relu3_1 features of
 * about 4 MP.  Tests lower it per session to reach that path cheaply; 0 =
 * never spill. */
#define SST_SPILL_BYTES ((size_t)256 << 20)
void sst_session_set_spill_bytes(sst_session *s, size_t bytes);
#endif
