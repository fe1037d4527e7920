/* image_io.c - PNG (libpng: the simplified API to read, the full one to
 * write) and JPEG (libjpeg-turbo) I/O. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <zlib.h>

#include "image_io.h"

/* Refused from the header, before any pixel memory: a few hundred bytes
 * can declare gigapixels (an 861-byte JPEG declared 131 MP and cost 14.6 GB
 * and 453 s before this check came before decompression). */
static uint64_t max_pixels = IMAGE_DEFAULT_MAX_PIXELS;

void image_set_max_pixels(uint64_t limit) {
  max_pixels = limit ? limit : IMAGE_DEFAULT_MAX_PIXELS;
}

/* 0 when w x h is within the limit, else -1 with the message. */
static int check_size(const char *name, uint64_t w, uint64_t h, char *msg,
                      size_t n) {
  if (w * h <= max_pixels)
    return 0;
  snprintf(msg, n,
           "%s: %llux%llu is %.1f megapixels, above the limit of %.1f "
           "(--max-pixels raises it)",
           name, (unsigned long long)w, (unsigned long long)h,
           (double)(w * h) / 1e6, (double)max_pixels / 1e6);
  return -1;
}

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
/* RGB8 pixels of a PNG.  With alpha != NULL and a file that has an alpha
 * channel (or transparency), *alpha gets w*h straight (not premultiplied)
 * opacities and the colours are left as painted (for maps: unpainted =
 * transparent); otherwise *alpha stays NULL and any alpha is composited on
 * black. */
static int read_png(const char *name, FILE *f, uint8_t **rgb, uint8_t **alpha,
                    int *w, int *h, char *msg, size_t n) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (alpha)
    *alpha = NULL;
  if (!png_image_begin_read_from_stdio(&img, f)) {
    snprintf(msg, n, "%s: not a readable PNG (%s)", name, img.message);
    return -1;
  }
  if (check_size(name, img.width, img.height, msg, n) != 0) {
    png_image_free(&img);
    return -1;
  }
  const int split = alpha && (img.format & PNG_FORMAT_FLAG_ALPHA);
  img.format = split ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
  const size_t npix = (size_t)img.width * img.height;
  uint8_t *buf = malloc(PNG_IMAGE_SIZE(img)), *c = split ? malloc(npix * 3) : buf,
          *a = split ? malloc(npix) : NULL;
  if (!buf || !c || (split && !a)) {
    png_image_free(&img);
    free(buf);
    if (split) {
      free(c);
      free(a);
    }
    snprintf(msg, n, "%s: out of memory for %ux%u pixels", name, img.width,
             img.height);
    return -1;
  }
  if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
    snprintf(msg, n, "%s: corrupt PNG (%s)", name, img.message);
    free(buf);
    if (split) {
      free(c);
      free(a);
    }
    png_image_free(&img);
    return -1;
  }
  if (split) {
    for (size_t i = 0; i < npix; i++) {
      memcpy(c + 3 * i, buf + 4 * i, 3);
      a[i] = buf[4 * i + 3];
    }
    free(buf);
    *alpha = a;
  }
  *rgb = c;
  *w = (int)img.width;
  *h = (int)img.height;
  return 0;
}

/* file: where to write; name: the user's path, for messages */
/* libpng's errors: the message is kept and control returns to write_png
 * (the default handler would print to stderr and abort). */
typedef struct {
  jmp_buf jump;
  char text[200];
} png_err;

static void png_error_exit(png_structp png, png_const_charp text) {
  png_err *e = png_get_error_ptr(png);
  snprintf(e->text, sizeof e->text, "%s", text);
  longjmp(e->jump, 1);
}

static void png_warn(png_structp png, png_const_charp text) {
  (void)png;
  (void)text; /* nothing a written file could warn about matters here */
}

/* zlib's run-length strategy after libpng's adaptive filters: on the 800 x
 * 600 result of the sample pair it writes in 0.035 s instead of the
 * default's 0.11-0.13 s (level 6, Z_FILTERED) for a file 0-2 % larger; on
 * photographs (the two sample JPEGs as PNG) 8-10 % larger (bench/NOTES.md,
 * "one-shot").  A stylized picture is written once and is the whole wait,
 * so write time wins. */
static int write_png(const char *file, const char *name, const uint8_t *rgb,
                     int w, int h, char *msg, size_t n) {
  FILE *fp = fopen(file, "wb");
  if (!fp) {
    snprintf(msg, n, "%s: cannot write PNG (%s)", name, strerror(errno));
    return -1;
  }
  png_err e = {.text = ""};
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, png_error_exit, png_warn);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  volatile int r = -1; /* read after a longjmp */
  if (!png || !info) {
    snprintf(msg, n, "%s: cannot write PNG (out of memory)", name);
  } else if (setjmp(e.jump)) {
    snprintf(msg, n, "%s: cannot write PNG (%s)", name, e.text);
  } else {
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
      png_write_row(png, rgb + (size_t)y * (size_t)w * 3);
    png_write_end(png, info);
    r = 0;
  }
  png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
  /* a full disk shows up at the last write or at close */
  if (fclose(fp) != 0 && r == 0) {
    snprintf(msg, n, "%s: cannot write PNG (%s)", name, strerror(errno));
    r = -1;
  }
  return r;
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

/* A warning that means the pixel data is damaged (bad Huffman or
 * arithmetic codes, an inconsistent progression, a truncated file, which
 * libjpeg pads with grey) is an error: a corrupt photo must not be
 * stylized as if it were whole.  Only warnings about metadata are let
 * through; trace messages (level >= 0) are ignored. */
static int harmless_warning(int code) {
  return code == JWRN_EXTRANEOUS_DATA || /* junk between markers */
         code == JWRN_ADOBE_XFORM ||     /* unknown colour transform code */
         code == JWRN_JFIF_MAJOR ||      /* newer JFIF revision */
         code == JWRN_BOGUS_ICC;         /* bad ICC marker (profile ignored) */
}

static void jpeg_warn(j_common_ptr cinfo, int level) {
  jpeg_err *e = (jpeg_err *)cinfo->err;
  if (level < 0 && !harmless_warning(cinfo->err->msg_code)) {
    (*cinfo->err->format_message)(cinfo, e->text);
    longjmp(e->jump, 1);
  }
}

static int read_jpeg(const char *name, FILE *f, uint8_t **rgb, int *w, int *h,
                     char *msg, size_t n) {
  struct jpeg_decompress_struct cinfo;
  jpeg_err jerr;
  uint8_t *volatile buf = NULL;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  jerr.pub.emit_message = jpeg_warn;
  if (setjmp(jerr.jump)) {
    if (jerr.pub.msg_code == JERR_OUT_OF_MEMORY)
      snprintf(msg, n, "%s: out of memory decoding the JPEG (%s)", name,
               jerr.text);
    else
      snprintf(msg, n, "%s: corrupt JPEG (%s)", name, jerr.text);
    jpeg_destroy_decompress(&cinfo);
    free(buf);
    return -1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, f);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB; /* libjpeg expands grayscale to RGB */
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    snprintf(msg, n, "%s: CMYK JPEG is not supported; save it as RGB", name);
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  /* the size from the header, before libjpeg allocates anything for the
   * pixels (a progressive file gets a whole-image coefficient buffer) */
  jpeg_calc_output_dimensions(&cinfo);
  if (check_size(name, cinfo.output_width, cinfo.output_height, msg, n) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  jpeg_start_decompress(&cinfo);
  size_t stride = (size_t)cinfo.output_width * 3;
  buf = malloc(stride * cinfo.output_height);
  if (!buf) {
    snprintf(msg, n, "%s: out of memory for %ux%u pixels", name,
             cinfo.output_width, cinfo.output_height);
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

static int write_jpeg(const char *file, const char *name, const uint8_t *rgb,
                      int w, int h, char *msg, size_t n) {
  FILE *f = fopen(file, "wb");
  if (!f) {
    snprintf(msg, n, "%s: %s", name, strerror(errno));
    return -1;
  }
  struct jpeg_compress_struct cinfo;
  jpeg_err jerr;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  if (setjmp(jerr.jump)) {
    snprintf(msg, n, "%s: cannot write JPEG (%s)", name, jerr.text);
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
    snprintf(msg, n, "%s: %s", name, strerror(errno));
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------- public */
/* PNG or JPEG by content; alpha as in read_png (JPEG: none). */
static int decode(FILE *f, const char *name, uint8_t **rgb, uint8_t **alpha,
                  int *w, int *h, char *msg, size_t n) {
  unsigned char magic[8] = {0};
  size_t got = fread(magic, 1, sizeof magic, f);
  rewind(f);
  if (alpha)
    *alpha = NULL;
  if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0)
    return read_png(name, f, rgb, alpha, w, h, msg, n);
  if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
    return read_jpeg(name, f, rgb, w, h, msg, n);
  snprintf(msg, n, "%s: not a PNG or JPEG image", name);
  return -1;
}

static int read_file(const char *path, uint8_t **rgb, uint8_t **alpha, int *w,
                     int *h, char *msg, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (alpha)
      *alpha = NULL;
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    return -1;
  }
  int r = decode(f, path, rgb, alpha, w, h, msg, n);
  fclose(f);
  return r;
}

int image_decode_rgb8(FILE *f, const char *name, uint8_t **rgb, int *w,
                      int *h, char *msg, size_t n) {
  return decode(f, name, rgb, NULL, w, h, msg, n);
}

int image_read_rgb8(const char *path, uint8_t **rgb, int *w, int *h, char *msg,
                    size_t n) {
  return read_file(path, rgb, NULL, w, h, msg, n);
}

int image_read_map(const char *path, uint8_t **rgb, uint8_t **alpha, int *w,
                   int *h, char *msg, size_t n) {
  return read_file(path, rgb, alpha, w, h, msg, n);
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
    snprintf(msg, n, "%s: out of memory for the file name", path);
    return -1;
  }
  /* same directory, so rename() is atomic; keep the extension for libpng */
  snprintf(tmp, len, "%s.tmp%ld%s", path, (long)getpid(),
           is_jpeg_name(path) ? ".jpg" : ".png");
  int r = is_jpeg_name(path) ? write_jpeg(tmp, path, rgb, w, h, msg, n)
                             : write_png(tmp, path, rgb, w, h, msg, n);
  if (r == 0 && rename(tmp, path) != 0) {
    snprintf(msg, n, "%s: %s", path, strerror(errno));
    r = -1;
  }
  if (r != 0)
    unlink(tmp);
  free(tmp);
  return r;
}

int image_check_output(const char *path, char *msg, size_t n) {
  if (!image_writable_extension(path)) {
    snprintf(msg, n, "output '%s' must end in .png, .jpg or .jpeg", path);
    return -1;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(msg, n, "output '%s' is a folder", path);
    return -1;
  }
  /* the folder part: everything before the last '/', or "." */
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 1;
  if (slash && len == 0)
    len = 1; /* "/x.png": the root */
  char *dir = malloc(len + 1);
  if (!dir) {
    snprintf(msg, n, "%s: out of memory for the file name", path);
    return -1;
  }
  memcpy(dir, slash ? path : ".", len);
  dir[len] = '\0';
  int r = 0;
  if (stat(dir, &st) != 0) {
    snprintf(msg, n, "output '%s': folder '%s' does not exist", path, dir);
    r = -1;
  } else if (!S_ISDIR(st.st_mode)) {
    snprintf(msg, n, "output '%s': '%s' is not a folder", path, dir);
    r = -1;
  } else if (access(dir, W_OK | X_OK) != 0) {
    snprintf(msg, n, "output '%s': cannot write in folder '%s' (%s)", path, dir,
             strerror(errno));
    r = -1;
  }
  free(dir);
  return r;
}
