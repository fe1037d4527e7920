/* fuzz.h - the libFuzzer entry point every harness here defines.  The same
 * harness links either with libFuzzer (-Dfuzz=true, clang) or with
 * replay_main.c, which feeds it the committed corpus as an ordinary test. */
#ifndef SST_FUZZ_H
#define SST_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
