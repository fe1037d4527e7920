/* sst-pixels.h - moving pixels between GIMP drawables (GEGL buffers) and the
 * engine's sst_image / RGB8 map buffers.  Main thread only: every GEGL read
 * of a GIMP drawable talks to the GIMP core. */
#ifndef SST_PIXELS_H
#define SST_PIXELS_H

#include <libgimp/gimp.h>

#include "sst.h"

/* Size of a drawable of w x h scaled so its longest side is at most
 * max_side (unchanged when max_side <= 0 or it already fits).  The same
 * function sizes an image and its map, so both always agree. */
void     sst_pixels_scaled_size (gint  width,
                                 gint  height,
                                 gint  max_side,
                                 gint *out_width,
                                 gint *out_height);

/* Reads the drawable as interleaved R'G'B' float in [0,1], scaled (box
 * filtered) to at most max_side (0 = full size).  When alpha is not NULL it
 * receives the alpha channel (w*h floats), or NULL if the drawable has
 * none.  out->rgb is allocated with sst_image_alloc. */
gboolean sst_pixels_read_image  (GimpDrawable *drawable,
                                 gint          max_side,
                                 sst_image    *out,
                                 gfloat      **alpha,
                                 GError      **error);

/* The rectangle rect (drawable coordinates) at full resolution, otherwise
 * as sst_pixels_read_image. */
gboolean sst_pixels_read_rect   (GimpDrawable        *drawable,
                                 const GeglRectangle *rect,
                                 sst_image           *out,
                                 gfloat             **alpha,
                                 GError             **error);

/* The rectangle rect at full resolution as the engine takes it: an 8-bit
 * sRGB layer as interleaved bytes in *rgb8 (sst_session_set_content8: no
 * float copy, 3 bytes a pixel instead of 12), any other as floats in *img
 * (*rgb8 then NULL).  alpha as for sst_pixels_read_image.  Free *rgb8 with
 * g_free, img with sst_image_free. */
gboolean sst_pixels_read_rect_as_engine (GimpDrawable        *drawable,
                                         const GeglRectangle *rect,
                                         guint8             **rgb8,
                                         sst_image           *img,
                                         gfloat             **alpha,
                                         GError             **error);

/* Reads a semantic map at the same size sst_pixels_read_image gives for
 * max_side (or, when crop is not NULL, the rectangle crop at full
 * resolution) into ONE buffer *map: w*h RGB8 pixels followed by w*h alpha
 * bytes (the map's opacity: under 50 % is unpainted, sst_map.alpha).
 * Scaling is nearest-neighbour so no blended colours appear.  A map
 * without a painted pixel is valid: the engine then runs without it.
 * sst_pixels_map_view gives the engine's view of such a buffer. */
gboolean sst_pixels_read_map    (GimpDrawable        *drawable,
                                 gint                 max_side,
                                 const GeglRectangle *crop,
                                 guint8             **map,
                                 gint                *width,
                                 gint                *height,
                                 GError             **error);

static inline sst_map
sst_pixels_map_view (const guint8 *map,
                     gint          width,
                     gint          height)
{
  sst_map m = { width, height, map,
                map ? map + (gsize) width * height * 3 : NULL };
  return m;
}

/* Writes img (and alpha, if not NULL) over the whole drawable, which must
 * have img's size. */
void     sst_pixels_write       (GimpDrawable    *drawable,
                                 const sst_image *img,
                                 const gfloat    *alpha);

#endif
