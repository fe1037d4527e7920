/* pipeline.h - what the session (pipeline.c) shows beyond sst.h, for the
 * engine's tests: how often it encoded and built statistics, so a test can
 * check which setting changes reuse the cached work (the live preview's
 * speed rests on it) and which redo it. */
#ifndef SST_PIPELINE_H
#define SST_PIPELINE_H
#include "sst.h"

typedef struct {
  int content_encodes; /* encoder runs on the content side */
  int style_encodes;   /* ... on the style side */
  int stats_builds;    /* region statistics computed */
} sst_session_counts;

/* Totals since sst_session_new. */
void sst_session_counts_get(const sst_session *s, sst_session_counts *out);
#endif
