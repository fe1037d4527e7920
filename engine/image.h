/* image.h - resampling, padding and layout conversion between the API's
 * interleaved RGB images / label maps and the networks' planar tensors. */
#ifndef SST_IMAGE_H
#define SST_IMAGE_H
#include "sst.h"
#include "tensor.h"

/* Resamples to w x h: box-filter area averaging when shrinking (no
 * aliasing), bilinear when enlarging. */
sst_status sst_image_resize(const sst_image *src, int w, int h, sst_image *dst,
                            sst_error *err);
/* Nearest-neighbour resampling of a label image (labels must stay flat). */
void sst_labels_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw,
                       int dh);
/* Planar 3 x H' x W' tensor, H'/W' rounded up to `multiple` by mirroring the
 * last rows/columns (so edges see natural content, not black). */
sst_status sst_image_to_tensor(const sst_image *img, int multiple, sst_tensor *t,
                               sst_error *err);
/* Mirror-pads a label image to pw x ph (pw >= w, ph >= h). */
void sst_labels_pad(const uint8_t *src, int w, int h, uint8_t *dst, int pw,
                    int ph);
/* Top-left w x h of a planar RGB tensor, clamped to [0,1], interleaved. */
sst_status sst_tensor_to_image(const sst_tensor *t, int w, int h, sst_image *out,
                               sst_error *err);
/* Mirrored index for any offset: maps i into [0, n). */
static inline int sst_mirror(int i, int n) {
  if (n == 1)
    return 0;
  int period = 2 * (n - 1);
  i %= period;
  if (i < 0)
    i += period;
  return i < n ? i : period - i;
}
/* Mean Rec. 601 luminance of each block x block cell of a gw x gh grid
 * over the image (cells past its edge read its nearest pixels): the patch
 * method's brightness guide.  Pixels from img->rgb or, when rgb8 is given
 * (a large 8-bit image, side.h), from those bytes.  NULL when out of
 * memory. */
float *sst_image_cell_luma(const sst_image *img, const uint8_t *rgb8,
                           int block, int gw, int gh);
/* Longest side scaled to at most max_side (0 = unlimited), aspect kept. */
void sst_fit_size(int w, int h, int max_side, int *ow, int *oh);
#endif
