/* image_io.h - PNG and JPEG files <-> 8-bit RGB buffers (libpng, libjpeg). */
#ifndef SST_IMAGE_IO_H
#define SST_IMAGE_IO_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* Images above this many pixels are refused from their header (the
 * engine's memory grows with the pixels; see README "Large images"). */
#define IMAGE_DEFAULT_MAX_PIXELS 100000000ull
/* Sets the limit for the reads that follow (0: the default). */
void image_set_max_pixels(uint64_t limit);

/* Reads a PNG or JPEG (detected by content, not by name) as interleaved
 * RGB8.  On failure returns -1 and writes one line into msg. */
int image_read_rgb8(const char *path, uint8_t **rgb, int *w, int *h, char *msg,
                    size_t msg_size);
/* Reads a semantic map: like image_read_rgb8, and *alpha gets w*h
 * opacities when the file is a PNG with an alpha channel or transparency
 * (NULL otherwise: every pixel painted).  Colours are not composited, so a
 * transparent pixel keeps whatever colour lies under it. */
int image_read_map(const char *path, uint8_t **rgb, uint8_t **alpha, int *w,
                   int *h, char *msg, size_t msg_size);
/* The same from an open stream (PNG or JPEG by content); name is used in
 * the messages only.  The stream must be seekable (it is rewound). */
int image_decode_rgb8(FILE *f, const char *name, uint8_t **rgb, int *w,
                      int *h, char *msg, size_t msg_size);
/* Writes RGB8 as PNG or JPEG (by the extension of path: .png, .jpg, .jpeg).
 * Writes to a temporary file next to path and renames it into place, so a
 * failure never leaves a partial output file. */
int image_write_rgb8(const char *path, const uint8_t *rgb, int w, int h,
                     char *msg, size_t msg_size);
/* Checks, before any work, that path can be written: a known extension,
 * not a folder, its folder exists and is writable.  -1 with the message
 * (naming path) when not. */
int image_check_output(const char *path, char *msg, size_t msg_size);
/* 1 when path ends in an extension image_write_rgb8 can write. */
int image_writable_extension(const char *path);
#endif
