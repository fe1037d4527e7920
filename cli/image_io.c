/* image_io.c - PNG (libpng simplified API) and JPEG (libjpeg-turbo) I/O. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "image_io.h"

#define MAX_PIXELS (1u << 28) /* 268 MP: refuse absurd headers early */

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_jpeg_name(const char *p) {
  return ends_with(p, ".jpg") || ends_with(p, ".jpeg");
}

int image_writable_extension(const char *path) {
  return ends_with(path, ".png") || is_jpeg_name(path);
}

/* ---------------------------------------------------------------- PNG */
static int read_png(const char *path, uint8_t **rgb, int *w, int *h, char *msg,
                    size_t n) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    snprintf(msg, n, "%s: not a readable PNG (%s)", path, img.message);
    return -1;
  }
  if ((size_t)img.width * img.height > MAX_PIXELS) {
    png_image_free(&img);
    snprintf(msg, n, "%s: %ux%u pixels is too large", path, img.width, img.height);
    return -1;
  }
  img.format = PNG_FORMAT_RGB; /* alpha, if any, is composited on black */
  size_t size = PNG_IMAGE_SIZE(img);
  uint8_t *buf = malloc(size);
  if (!buf) {
    png_image_free(&img);
    snprintf(msg, n, "%s: out of memory", path);
    return -1;
  }
  if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
    snprintf(msg, n, "%s: corrupt PNG (%s)", path, img.message);
    free(buf);
    png_image_free(&img);
    return -1;
  }
  *rgb = buf;
  *w = (int)img.width;
  *h = (int)img.height;
  return 0;
}

/* A PNG with alpha as separate RGB8 and A8 planes (for maps: unpainted =
 * transparent); *alpha stays NULL when the file has no alpha. */
static int read_png_map(const char *path, uint8_t **rgb, uint8_t **alpha,
                        int *w, int *h, char *msg, size_t n) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    snprintf(msg, n, "%s: not a readable PNG (%s)", path, img.message);
    return -1;
  }
  int has_alpha = (img.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  png_image_free(&img);
  *alpha = NULL;
  if (!has_alpha)
    return read_png(path, rgb, w, h, msg, n);
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    snprintf(msg, n, "%s: not a readable PNG (%s)", path, img.message);
    return -1;
  }
  if ((size_t)img.width * img.height > MAX_PIXELS) {
    png_image_free(&img);
    snprintf(msg, n, "%s: %ux%u pixels is too large", path, img.width, img.height);
    return -1;
  }
  img.format = PNG_FORMAT_RGBA; /* straight (not premultiplied) colours */
  size_t npix = (size_t)img.width * img.height;
  uint8_t *rgba = malloc(PNG_IMAGE_SIZE(img)), *c = malloc(npix * 3),
          *a = malloc(npix);
  if (!rgba || !c || !a) {
    png_image_free(&img);
    free(rgba);
    free(c);
    free(a);
    snprintf(msg, n, "%s: out of memory", path);
    return -1;
  }
  if (!png_image_finish_read(&img, NULL, rgba, 0, NULL)) {
    snprintf(msg, n, "%s: corrupt PNG (%s)", path, img.message);
    png_image_free(&img);
    free(rgba);
    free(c);
    free(a);
    return -1;
  }
  for (size_t i = 0; i < npix; i++) {
    memcpy(c + 3 * i, rgba + 4 * i, 3);
    a[i] = rgba[4 * i + 3];
  }
  free(rgba);
  *rgb = c;
  *alpha = a;
  *w = (int)img.width;
  *h = (int)img.height;
  return 0;
}

static int write_png(const char *path, const uint8_t *rgb, int w, int h,
                     char *msg, size_t n) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = (png_uint_32)w;
  img.height = (png_uint_32)h;
  img.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&img, path, 0, rgb, 0, NULL)) {
    snprintf(msg, n, "%s: cannot write PNG (%s)", path, img.message);
    return -1;
  }
  return 0;
}

/* --------------------------------------------------------------- JPEG */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char text[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_error_exit(j_common_ptr cinfo) {
  jpeg_err *e = (jpeg_err *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->text);
  longjmp(e->jump, 1);
}

/* Warnings such as extraneous bytes are harmless, but libjpeg reports a
 * truncated file only as a warning and pads it with grey: treat that one as
 * an error, or a half-downloaded photo would silently be stylized. */
static void jpeg_warn(j_common_ptr cinfo, int level) {
  jpeg_err *e = (jpeg_err *)cinfo->err;
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    (*cinfo->err->format_message)(cinfo, e->text);
    longjmp(e->jump, 1);
  }
}

static int read_jpeg(const char *path, FILE *f, uint8_t **rgb, int *w, int *h,
                     char *msg, size_t n) {
  struct jpeg_decompress_struct cinfo;
  jpeg_err jerr;
  uint8_t *volatile buf = NULL;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  jerr.pub.emit_message = jpeg_warn;
  if (setjmp(jerr.jump)) {
    snprintf(msg, n, "%s: corrupt JPEG (%s)", path, jerr.text);
    jpeg_destroy_decompress(&cinfo);
    free(buf);
    return -1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, f);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB; /* libjpeg expands grayscale to RGB */
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    snprintf(msg, n, "%s: CMYK JPEG is not supported; save it as RGB", path);
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  jpeg_start_decompress(&cinfo);
  if ((size_t)cinfo.output_width * cinfo.output_height > MAX_PIXELS) {
    snprintf(msg, n, "%s: image too large", path);
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  size_t stride = (size_t)cinfo.output_width * 3;
  buf = malloc(stride * cinfo.output_height);
  if (!buf) {
    snprintf(msg, n, "%s: out of memory", path);
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = buf + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  *w = (int)cinfo.output_width;
  *h = (int)cinfo.output_height;
  jpeg_destroy_decompress(&cinfo);
  *rgb = buf;
  return 0;
}

static int write_jpeg(const char *path, const uint8_t *rgb, int w, int h,
                      char *msg, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    return -1;
  }
  struct jpeg_compress_struct cinfo;
  jpeg_err jerr;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  if (setjmp(jerr.jump)) {
    snprintf(msg, n, "%s: cannot write JPEG (%s)", path, jerr.text);
    jpeg_destroy_compress(&cinfo);
    fclose(f);
    return -1;
  }
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = (JDIMENSION)w;
  cinfo.image_height = (JDIMENSION)h;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * w * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  if (fclose(f) != 0) {
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------- public */
int image_read_rgb8(const char *path, uint8_t **rgb, int *w, int *h, char *msg,
                    size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    return -1;
  }
  unsigned char magic[8] = {0};
  size_t got = fread(magic, 1, sizeof magic, f);
  int r;
  if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0) {
    fclose(f);
    r = read_png(path, rgb, w, h, msg, n);
  } else if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
    rewind(f);
    r = read_jpeg(path, f, rgb, w, h, msg, n);
    fclose(f);
  } else {
    fclose(f);
    snprintf(msg, n, "%s: not a PNG or JPEG image", path);
    r = -1;
  }
  return r;
}

int image_read_map(const char *path, uint8_t **rgb, uint8_t **alpha, int *w,
                   int *h, char *msg, size_t n) {
  *alpha = NULL;
  FILE *f = fopen(path, "rb");
  unsigned char magic[8] = {0};
  size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
  if (f)
    fclose(f);
  if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0)
    return read_png_map(path, rgb, alpha, w, h, msg, n);
  return image_read_rgb8(path, rgb, w, h, msg, n); /* JPEG: no alpha */
}

int image_write_rgb8(const char *path, const uint8_t *rgb, int w, int h,
                     char *msg, size_t n) {
  if (!image_writable_extension(path)) {
    snprintf(msg, n, "%s: output must end in .png, .jpg or .jpeg", path);
    return -1;
  }
  size_t len = strlen(path) + 32;
  char *tmp = malloc(len);
  if (!tmp) {
    snprintf(msg, n, "out of memory");
    return -1;
  }
  /* same directory, so rename() is atomic; keep the extension for libpng */
  snprintf(tmp, len, "%s.tmp%ld%s", path, (long)getpid(),
           is_jpeg_name(path) ? ".jpg" : ".png");
  int r = is_jpeg_name(path) ? write_jpeg(tmp, rgb, w, h, msg, n)
                             : write_png(tmp, rgb, w, h, msg, n);
  if (r == 0 && rename(tmp, path) != 0) {
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    r = -1;
  }
  if (r != 0)
    unlink(tmp);
  free(tmp);
  return r;
}
