/* error.h - filling sst_error with one printf-style line. */
#ifndef SST_ERROR_H
#define SST_ERROR_H
#include "sst.h"

#if defined(__GNUC__)
#define SST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SST_PRINTF(a, b)
#endif

/* Sets err->code/msg (err may be NULL) and returns code. */
sst_status sst_fail(sst_error *err, sst_status code, const char *fmt, ...)
    SST_PRINTF(3, 4);
#endif
