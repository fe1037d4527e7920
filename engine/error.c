/* error.c - one-line error messages for sst_error. */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

sst_status sst_fail(sst_error *err, sst_status code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}
