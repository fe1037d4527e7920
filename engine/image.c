/* image.c - resampling, padding and layout conversion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image.h"

sst_status sst_image_alloc(sst_image *img, int width, int height) {
  img->width = width;
  img->height = height;
  img->rgb = NULL;
  if (width <= 0 || height <= 0)
    return SST_ERR_INVALID;
  img->rgb = malloc((size_t)width * (size_t)height * 3 * sizeof(float));
  return img->rgb ? SST_OK : SST_ERR_NOMEM;
}

void sst_image_free(sst_image *img) {
  if (!img)
    return;
  free(img->rgb);
  img->rgb = NULL;
  img->width = img->height = 0;
}

void sst_fit_size(int w, int h, int max_side, int *ow, int *oh) {
  int longest = w > h ? w : h;
  if (max_side <= 0 || longest <= max_side) {
    *ow = w;
    *oh = h;
    return;
  }
  double s = (double)max_side / (double)longest;
  *ow = (int)lround(w * s);
  *oh = (int)lround(h * s);
  if (*ow < 1)
    *ow = 1;
  if (*oh < 1)
    *oh = 1;
}

/* Box filter along one axis: each output sample averages the input interval
 * it covers, with fractional weights at both ends.  `stride` walks the axis. */
static void box_axis(const float *src, int n_in, size_t stride_in, float *dst,
                     int n_out, size_t stride_out, int channels) {
  double scale = (double)n_in / (double)n_out;
  for (int o = 0; o < n_out; o++) {
    double a = o * scale, b = (o + 1) * scale;
    int i0 = (int)floor(a), i1 = (int)ceil(b);
    if (i1 > n_in)
      i1 = n_in;
    double acc[4] = {0, 0, 0, 0};
    for (int i = i0; i < i1; i++) {
      double lo = i < a ? a : i, hi = i + 1 > b ? b : i + 1;
      double wgt = hi - lo;
      for (int c = 0; c < channels; c++)
        acc[c] += wgt * src[i * stride_in + c];
    }
    for (int c = 0; c < channels; c++)
      dst[o * stride_out + c] = (float)(acc[c] / scale);
  }
}

static float lerp_at(const float *row, int n, double x, int c) {
  /* pixel centres at i + 0.5 */
  double p = x - 0.5;
  if (p < 0)
    p = 0;
  if (p > n - 1)
    p = n - 1;
  int i = (int)p;
  int j = i + 1 < n ? i + 1 : i;
  double t = p - i;
  return (float)((1 - t) * row[i * 3 + c] + t * row[j * 3 + c]);
}

sst_status sst_image_resize(const sst_image *src, int w, int h, sst_image *dst,
                            sst_error *err) {
  if (sst_image_alloc(dst, w, h) != SST_OK)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory resizing to %dx%d", w, h);
  int sw = src->width, sh = src->height;
  if (w == sw && h == sh) {
    memcpy(dst->rgb, src->rgb, (size_t)w * h * 3 * sizeof(float));
    return SST_OK;
  }
  if (w <= sw && h <= sh) {
    /* separable box: rows first into a w x sh buffer, then columns */
    float *tmp = malloc((size_t)w * sh * 3 * sizeof(float));
    if (!tmp) {
      sst_image_free(dst);
      return sst_fail(err, SST_ERR_NOMEM, "out of memory resizing");
    }
    for (int y = 0; y < sh; y++)
      box_axis(src->rgb + (size_t)y * sw * 3, sw, 3, tmp + (size_t)y * w * 3, w,
               3, 3);
    for (int x = 0; x < w; x++)
      box_axis(tmp + (size_t)x * 3, sh, (size_t)w * 3, dst->rgb + (size_t)x * 3,
               h, (size_t)w * 3, 3);
    free(tmp);
    return SST_OK;
  }
  /* bilinear (also used for mixed up/down, which only happens for tiny
   * aspect-ratio corrections) */
  float *tmp = malloc((size_t)w * sh * 3 * sizeof(float));
  if (!tmp) {
    sst_image_free(dst);
    return sst_fail(err, SST_ERR_NOMEM, "out of memory resizing");
  }
  double sx = (double)sw / w, sy = (double)sh / h;
  for (int y = 0; y < sh; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        tmp[((size_t)y * w + x) * 3 + c] =
            lerp_at(src->rgb + (size_t)y * sw * 3, sw, (x + 0.5) * sx, c);
  for (int y = 0; y < h; y++) {
    double p = (y + 0.5) * sy - 0.5;
    if (p < 0)
      p = 0;
    if (p > sh - 1)
      p = sh - 1;
    int i = (int)p, j = i + 1 < sh ? i + 1 : i;
    float t = (float)(p - i);
    const float *r0 = tmp + (size_t)i * w * 3, *r1 = tmp + (size_t)j * w * 3;
    float *d = dst->rgb + (size_t)y * w * 3;
    for (int k = 0; k < w * 3; k++)
      d[k] = (1 - t) * r0[k] + t * r1[k];
  }
  free(tmp);
  return SST_OK;
}

void sst_labels_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw,
                       int dh) {
  for (int y = 0; y < dh; y++) {
    int sy = (int)(((long long)y * sh + sh / 2) / dh);
    if (sy >= sh)
      sy = sh - 1;
    for (int x = 0; x < dw; x++) {
      int sx = (int)(((long long)x * sw + sw / 2) / dw);
      if (sx >= sw)
        sx = sw - 1;
      dst[(size_t)y * dw + x] = src[(size_t)sy * sw + sx];
    }
  }
}

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

sst_status sst_image_to_tensor(const sst_image *img, int multiple, sst_tensor *t,
                               sst_error *err) {
  int w = img->width, h = img->height;
  int pw = round_up(w, multiple), ph = round_up(h, multiple);
  sst_status st = sst_tensor_alloc(t, 3, ph, pw, err);
  if (st != SST_OK)
    return st;
  size_t plane = (size_t)pw * ph;
  for (int y = 0; y < ph; y++) {
    const float *row = img->rgb + (size_t)sst_mirror(y, h) * w * 3;
    for (int x = 0; x < pw; x++) {
      const float *px = row + (size_t)sst_mirror(x, w) * 3;
      size_t o = (size_t)y * pw + x;
      t->data[o] = px[0];
      t->data[plane + o] = px[1];
      t->data[2 * plane + o] = px[2];
    }
  }
  return SST_OK;
}

void sst_labels_pad(const uint8_t *src, int w, int h, uint8_t *dst, int pw,
                    int ph) {
  for (int y = 0; y < ph; y++)
    for (int x = 0; x < pw; x++)
      dst[(size_t)y * pw + x] =
          src[(size_t)sst_mirror(y, h) * w + sst_mirror(x, w)];
}

sst_status sst_tensor_to_image(const sst_tensor *t, int w, int h, sst_image *out,
                               sst_error *err) {
  if (t->c != 3 || t->w < w || t->h < h)
    return sst_fail(err, SST_ERR_INVALID, "decoder output %dx%dx%d too small",
                    t->c, t->h, t->w);
  if (sst_image_alloc(out, w, h) != SST_OK)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for the result");
  size_t plane = (size_t)t->w * t->h;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        float v = t->data[c * plane + (size_t)y * t->w + x];
        v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        out->rgb[((size_t)y * w + x) * 3 + c] = v;
      }
  return SST_OK;
}

float *sst_image_cell_luma(const sst_image *img, const uint8_t *rgb8,
                           int block, int gw, int gh) {
  if (gw <= 0 || gh <= 0 || block <= 0 || img->width <= 0 ||
      img->height <= 0 || (!rgb8 && !img->rgb))
    return NULL;
  float *out = malloc(sizeof(float) * (size_t)gw * gh);
  if (!out)
    return NULL;
  const int w = img->width, h = img->height;
  for (int gy = 0; gy < gh; gy++)
    for (int gx = 0; gx < gw; gx++) {
      double acc = 0.0;
      for (int y = gy * block; y < (gy + 1) * block; y++) {
        const size_t row = (size_t)(y < h ? y : h - 1) * w;
        for (int x = gx * block; x < (gx + 1) * block; x++) {
          const size_t q = (row + (x < w ? x : w - 1)) * 3;
          /* q / 255.0f as float, like the floats of an 8-bit image, so a
           * tiled run (bytes) and a one-piece run (floats) agree */
          const double r = rgb8 ? rgb8[q] / 255.0f : img->rgb[q];
          const double g = rgb8 ? rgb8[q + 1] / 255.0f : img->rgb[q + 1];
          const double b = rgb8 ? rgb8[q + 2] / 255.0f : img->rgb[q + 2];
          acc += 0.299 * r + 0.587 * g + 0.114 * b;
        }
      }
      out[(size_t)gy * gw + gx] = (float)(acc / ((double)block * block));
    }
  return out;
}
