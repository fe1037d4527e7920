/* sst-pixels.c - GEGL <-> engine buffers. */
#include <string.h>

#include "sst-pixels.h"
#include "sst-args.h"
#include "sst-intl.h"

/* Rows per gegl_buffer_set / _get call when writing or when reading bytes:
 * bounds the temporary buffer whatever the image size. */
#define WRITE_BAND 64
#define READ_BAND  64

/* The drawable's own format when it is 8-bit non-linear sRGB with or
 * without alpha (what GIMP gives a photo or a painted map), else NULL.
 * Reading a layer in its own format is a copy.  Asking babl for another
 * one makes it search a conversion path first, in every plug-in process
 * (babl keeps its path cache only if the process reaches babl_exit, which a
 * plug-in does not): for a 256 x 176 layer 1.1-1.3 s of a 2 s render went
 * into R'G'B' u8 -> R'G'B'A u8 for the map, 0.1-0.2 s into R'G'B' u8 ->
 * R'G'B' float for the photo (bench/NOTES.md).  babl's own conversion of
 * u8 to float is v / 255.0f for all 256 values, so the floats made here
 * are the same bits. */
static const Babl *
own_u8_format (GimpDrawable *drawable)
{
  const Babl  *fmt   = gimp_drawable_get_format (drawable);
  const gchar *model = babl_get_name (babl_format_get_model (fmt));

  if (babl_format_get_type (fmt, 0) != babl_type ("u8") ||
      babl_format_get_space (fmt) != babl_space ("sRGB") ||
      (strcmp (model, "R'G'B'") != 0 && strcmp (model, "R'G'B'A") != 0))
    return NULL;
  return fmt;
}

/* Reads rect (full resolution) of buffer, whose own format fmt is
 * R'G'B'[A] u8, in bands of rows: the colours into rgb8 (bytes) or else
 * rgb (floats), interleaved, and (when not NULL) the alpha as floats. */
static gboolean
read_own_u8 (GeglBuffer          *buffer,
             const GeglRectangle *rect,
             const Babl          *fmt,
             guint8              *rgb8,
             gfloat              *rgb,
             gfloat              *alpha)
{
  const gint  nc   = babl_format_get_n_components (fmt);
  const gsize w    = (gsize) rect->width;
  guint8     *band = g_try_malloc (w * READ_BAND * nc);

  if (band == NULL)
    return FALSE;
  for (gint y0 = 0; y0 < rect->height; y0 += READ_BAND)
    {
      gint          rows = MIN (READ_BAND, rect->height - y0);
      GeglRectangle r    = { rect->x, rect->y + y0, rect->width, rows };
      gsize         base = (gsize) y0 * w;

      gegl_buffer_get (buffer, &r, 1.0, fmt, band, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_CLAMP);
      for (gsize i = 0; i < w * rows; i++)
        {
          for (gint c = 0; c < 3; c++)
            if (rgb8)
              rgb8[(base + i) * 3 + c] = band[i * nc + c];
            else
              rgb[(base + i) * 3 + c] = band[i * nc + c] / 255.0f;
          if (alpha)
            alpha[base + i] = band[i * nc + 3] / 255.0f;
        }
    }
  g_free (band);
  return TRUE;
}

void
sst_pixels_scaled_size (gint  width,
                        gint  height,
                        gint  max_side,
                        gint *out_width,
                        gint *out_height)
{
  gint longest = MAX (width, height);

  if (max_side <= 0 || longest <= max_side)
    {
      *out_width  = width;
      *out_height = height;
      return;
    }
  *out_width  = MAX (1, (gint) ((gint64) width  * max_side / longest));
  *out_height = MAX (1, (gint) ((gint64) height * max_side / longest));
}

/* GEGL reads a scaled rectangle at one scale factor; the output size is the
 * rectangle size, so derive the factor from the longer side. */
static gdouble
scale_for (gint width,
           gint height,
           gint out_width,
           gint out_height)
{
  if (out_width == width && out_height == height)
    return 1.0;
  return width >= height ? (gdouble) out_width / width
                         : (gdouble) out_height / height;
}

/* Reads rect of drawable at scale (the rectangle is in scaled
 * coordinates) into out as floats; or, when rgb8 is not NULL and the read
 * is a copy (full size, 8-bit sRGB: own_u8_format), into *rgb8 as bytes
 * (out stays empty).  Frees what it made and sets error on failure. */
static gboolean
read_scaled (GimpDrawable        *drawable,
             const GeglRectangle *rect,
             gdouble              scale,
             guint8             **rgb8,
             sst_image           *out,
             gfloat             **alpha,
             GError             **error)
{
  gint        ow = rect->width, oh = rect->height;
  const Babl *own = scale == 1.0 ? own_u8_format (drawable) : NULL;
  gboolean    bytes = rgb8 != NULL && own != NULL;
  gboolean    ok;
  GeglBuffer *buffer;

  memset (out, 0, sizeof *out);
  if (rgb8)
    *rgb8 = NULL;
  if (alpha)
    *alpha = NULL;

  ok = bytes ? (*rgb8 = g_try_malloc ((gsize) ow * oh * 3)) != NULL
             : sst_image_alloc (out, ow, oh) == SST_OK;
  if (ok && alpha && gimp_drawable_has_alpha (drawable))
    ok = (*alpha = g_try_new (gfloat, (gsize) ow * oh)) != NULL;

  buffer = gimp_drawable_get_buffer (drawable);
  if (ok && own)
    {
      ok = read_own_u8 (buffer, rect, own, bytes ? *rgb8 : NULL,
                        bytes ? NULL : out->rgb, alpha ? *alpha : NULL);
    }
  else if (ok)
    {
      /* Scaled (GEGL's box filter), or not 8-bit sRGB: babl converts. */
      gegl_buffer_get (buffer, rect, scale, babl_format ("R'G'B' float"),
                       out->rgb, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
      if (alpha && *alpha)
        gegl_buffer_get (buffer, rect, scale, babl_format ("A float"),
                         *alpha, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
      /* Float formats can hold values outside [0,1] (high-bit-depth
       * images): the engine expects [0,1]. */
      for (gsize i = 0; i < (gsize) ow * oh * 3; i++)
        out->rgb[i] = CLAMP (out->rgb[i], 0.0f, 1.0f);
    }
  g_object_unref (buffer);

  if (! ok)
    {
      sst_image_free (out);
      if (rgb8)
        g_clear_pointer (rgb8, g_free);
      if (alpha)
        g_clear_pointer (alpha, g_free);
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Not enough memory for a %d × %d image."), ow, oh);
    }
  return ok;
}

gboolean
sst_pixels_read_image (GimpDrawable *drawable,
                       gint          max_side,
                       sst_image    *out,
                       gfloat      **alpha,
                       GError      **error)
{
  gint          w = gimp_drawable_get_width (drawable);
  gint          h = gimp_drawable_get_height (drawable);
  gint          ow, oh;
  GeglRectangle rect;

  sst_pixels_scaled_size (w, h, max_side, &ow, &oh);
  rect = (GeglRectangle) { 0, 0, ow, oh };
  return read_scaled (drawable, &rect, scale_for (w, h, ow, oh), NULL, out, alpha,
                      error);
}

gboolean
sst_pixels_read_rect (GimpDrawable        *drawable,
                      const GeglRectangle *rect,
                      sst_image           *out,
                      gfloat             **alpha,
                      GError             **error)
{
  return read_scaled (drawable, rect, 1.0, NULL, out, alpha, error);
}

gboolean
sst_pixels_read_rect_as_engine (GimpDrawable        *drawable,
                                const GeglRectangle *rect,
                                guint8             **rgb8,
                                sst_image           *img,
                                gfloat             **alpha,
                                GError             **error)
{
  return read_scaled (drawable, rect, 1.0, rgb8, img, alpha, error);
}

gboolean
sst_pixels_read_map (GimpDrawable        *drawable,
                     gint                 max_side,
                     const GeglRectangle *crop,
                     guint8             **map,
                     gint                *width,
                     gint                *height,
                     GError             **error)
{
  gint           w = gimp_drawable_get_width (drawable);
  gint           h = gimp_drawable_get_height (drawable);
  gint           ow, oh;
  gsize          n;
  guint8        *rgba, *out;
  GeglBuffer    *buffer;
  GeglRectangle  rect;
  /* Colours as painted, straight (not premultiplied) alpha: the engine
   * ignores those of pixels under 50 % alpha.  Read in the layer's own
   * format where it is 8-bit sRGB (own_u8_format says why). */
  const Babl    *own = own_u8_format (drawable);
  const Babl    *fmt = own ? own : babl_format ("R'G'B'A u8");
  const gint     nc  = babl_format_get_n_components (fmt);

  *map = NULL;
  if (crop)
    {
      rect = *crop;
      ow   = crop->width;
      oh   = crop->height;
    }
  else
    {
      sst_pixels_scaled_size (w, h, max_side, &ow, &oh);
      rect = (GeglRectangle) { 0, 0, w, h };
    }
  n    = (gsize) ow * oh;
  rgba = g_try_malloc (n * 4);
  out  = g_try_malloc (n * 4);
  if (rgba == NULL || out == NULL)
    {
      g_free (rgba);
      g_free (out);
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Not enough memory for a %d × %d image."), ow, oh);
      return FALSE;
    }

  buffer = gimp_drawable_get_buffer (drawable);
  if (crop || (ow == w && oh == h))
    {
      gegl_buffer_get (buffer, &rect, 1.0, fmt, rgba,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
    }
  else
    {
      /* Nearest neighbour: a box filter would blend region colours at
       * every border into new colours the map never had.  A scaled
       * gegl_buffer_get is no help: below scale 0.5 GEGL reads its
       * box-filtered mipmap levels whatever the filter flag says, so the
       * rows are read at full size one at a time and subsampled here. */
      guint8 *row = g_malloc ((gsize) w * nc);

      for (gint oy = 0; oy < oh; oy++)
        {
          gint sy = (gint) (((gdouble) oy + 0.5) * h / oh);

          rect = (GeglRectangle) { 0, MIN (sy, h - 1), w, 1 };
          gegl_buffer_get (buffer, &rect, 1.0, fmt, row,
                           GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
          for (gint ox = 0; ox < ow; ox++)
            {
              gint sx = MIN ((gint) (((gdouble) ox + 0.5) * w / ow), w - 1);

              memcpy (rgba + ((gsize) oy * ow + ox) * nc,
                      row + (gsize) sx * nc, nc);
            }
        }
      g_free (row);
    }
  g_object_unref (buffer);

  for (gsize i = 0; i < n; i++)
    {
      out[i * 3 + 0] = rgba[i * nc + 0];
      out[i * 3 + 1] = rgba[i * nc + 1];
      out[i * 3 + 2] = rgba[i * nc + 2];
      out[n * 3 + i] = nc == 4 ? rgba[i * nc + 3] : 255;
    }
  g_free (rgba);

  *map = out;
  if (width)
    *width = ow;
  if (height)
    *height = oh;
  return TRUE;
}

void
sst_pixels_write (GimpDrawable    *drawable,
                  const sst_image *img,
                  const gfloat    *alpha)
{
  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);
  gint        w      = img->width;

  if (alpha == NULL)
    {
      GeglRectangle rect = { 0, 0, w, img->height };

      gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B' float"),
                       img->rgb, GEGL_AUTO_ROWSTRIDE);
    }
  else
    {
      gfloat *band = g_new (gfloat, (gsize) w * WRITE_BAND * 4);

      for (gint y0 = 0; y0 < img->height; y0 += WRITE_BAND)
        {
          gint          rows = MIN (WRITE_BAND, img->height - y0);
          GeglRectangle rect = { 0, y0, w, rows };

          for (gsize i = 0; i < (gsize) w * rows; i++)
            {
              gsize src = (gsize) y0 * w + i;

              band[i * 4 + 0] = img->rgb[src * 3 + 0];
              band[i * 4 + 1] = img->rgb[src * 3 + 1];
              band[i * 4 + 2] = img->rgb[src * 3 + 2];
              band[i * 4 + 3] = alpha[src];
            }
          gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B'A float"),
                           band, GEGL_AUTO_ROWSTRIDE);
        }
      g_free (band);
    }

  gegl_buffer_flush (buffer);
  g_object_unref (buffer);
}
