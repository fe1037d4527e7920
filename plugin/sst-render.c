/* sst-render.c - the full-resolution run.
 *
 * Order matters for "the image is left exactly as it was on failure": all
 * pixels are read and the whole stylization is computed first; only then is
 * the result layer created, inserted and filled inside one undo group.
 * Cancelling (SIGINT/SIGTERM, or GIMP's progress Cancel, which makes GIMP
 * close the plug-in) therefore never leaves a half-made layer behind.
 *
 * With a selection, only its bounding box (on the layer) plus the
 * networks' receptive margin is read and stylized; the result layer covers
 * the bounding box and carries the selection as its layer mask, so the
 * image changes only inside the selection, with its soft edges. */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "sst-render.h"
#include "sst-pixels.h"
#include "sst-intl.h"

typedef struct {
  gchar   stage[64];   /* last stage shown, to set the text only on change */
  gdouble cancel_at;   /* SST_CANCEL_AT testing aid; > 1 = never */
} ProgressState;

/* The name of the result layer: "<style layer name> (semantic style)". */
static gchar *
sst_result_layer_name (GimpDrawable *style_layer)
{
  gchar *name = gimp_item_get_name (GIMP_ITEM (style_layer));
  /* The suffix is kept in English on purpose: scripts find the result
   * layer by this name whatever the UI language. */
  gchar *result = g_strdup_printf ("%s (semantic style)", name ? name : "style");

  g_free (name);
  return result;
}

/* Translated, user-facing name of an engine stage ("encode content" ...). */
static const gchar *
sst_stage_label (const gchar *stage)
{
  if (stage == NULL)
    return _("Semantic Style");
  if (g_str_equal (stage, "encode content"))
    return _("Encoding the content image");
  if (g_str_equal (stage, "encode style"))
    return _("Encoding the style image");
  if (g_str_equal (stage, "reconstruct"))
    return _("Transferring the style");
  if (g_str_equal (stage, "decode"))
    return _("Decoding the result");
  return stage;
}

static volatile sig_atomic_t cancel_requested = 0;

static void
on_cancel_signal (int signum)
{
  (void) signum;
  cancel_requested = 1;
}

/* Engine progress -> GIMP's progress bar.  Runs on the main thread (the
 * engine calls back from the thread that called sst_session_run). */
static int
progress_cb (float        fraction,
             const char  *stage,
             void        *user)
{
  ProgressState *state = user;

  if (stage && strncmp (state->stage, stage, sizeof state->stage - 1) != 0)
    {
      g_strlcpy (state->stage, stage, sizeof state->stage);
      gimp_progress_set_text (sst_stage_label (stage));
    }
  gimp_progress_update (CLAMP (fraction, 0.0f, 1.0f));

  if (fraction >= state->cancel_at)
    cancel_requested = 1;
  return cancel_requested != 0;
}

GimpPDBStatusType
sst_engine_error (sst_status        status,
                  const sst_error  *err,
                  GError          **error)
{
  const gchar *msg = err && err->msg[0] ? err->msg : _("unknown error");

  switch (status)
    {
    case SST_OK:
      return GIMP_PDB_SUCCESS;
    case SST_ERR_CANCELLED:
      return GIMP_PDB_CANCEL;
    case SST_ERR_MAP:
      /* The engine's message already names the map ("content map: ..."). */
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Unusable semantic map (%s). Paint each map with a few "
                     "flat colours; the same colour marks the same region in "
                     "both maps."), msg);
      return GIMP_PDB_EXECUTION_ERROR;
    case SST_ERR_NOMEM:
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Not enough memory: %s. Try a smaller image."), msg);
      return GIMP_PDB_EXECUTION_ERROR;
    case SST_ERR_INVALID:
      g_set_error (error, SST_PLUGIN_ERROR, 0, _("Cannot stylize: %s"), msg);
      return GIMP_PDB_CALLING_ERROR;
    default:
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Semantic Style failed: %s"), msg);
      return GIMP_PDB_EXECUTION_ERROR;
    }
}

/* Pixels a feature at the layer sees on each side (the tiles' overlap,
 * README "Large images"): context outside the selection that keeps its
 * inside as it would be in a whole-layer run's tiles. */
static gint
receptive_margin (sst_layer layer)
{
  return layer == SST_RELU4_1 ? 32 : 16;
}

/* Grows [*pos, *pos + *len) by margin on both sides and to at least
 * min_len, inside [0, size). */
static void
grow_span (gint *pos,
           gint *len,
           gint  margin,
           gint  min_len,
           gint  size)
{
  gint a = MAX (0, *pos - margin);
  gint b = MIN (size, *pos + *len + margin);

  while (b - a < min_len && (a > 0 || b < size))
    {
      if (a > 0)
        a--;
      if (b < size && b - a < min_len)
        b++;
    }
  *pos = a;
  *len = b - a;
}

/* What a run reads and what it writes, in layer coordinates: the whole
 * layer without a selection; else the selection's bounds on the layer
 * (result) and those plus the receptive margin (processed).  FALSE with
 * *error set when a selection exists but misses the layer. */
static gboolean
selection_rects (GimpImage     *image,
                 GimpDrawable  *drawable,
                 sst_layer      layer,
                 GeglRectangle *result,
                 GeglRectangle *processed,
                 gboolean      *has_selection,
                 GError       **error)
{
  gint w = gimp_drawable_get_width (drawable);
  gint h = gimp_drawable_get_height (drawable);
  gint x, y, rw, rh;

  *has_selection = ! gimp_selection_is_empty (image);
  *result = *processed = (GeglRectangle) { 0, 0, w, h };
  if (! *has_selection)
    return TRUE;
  if (! gimp_drawable_mask_intersect (drawable, &x, &y, &rw, &rh) ||
      rw <= 0 || rh <= 0)
    {
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("The selection does not touch the layer to stylize. "
                     "Select part of the layer, or nothing (Select > None) "
                     "to stylize all of it."));
      return FALSE;
    }
  *result = *processed = (GeglRectangle) { x, y, rw, rh };
  /* 16 px: the engine's smallest image side */
  grow_span (&processed->x, &processed->width, receptive_margin (layer), 16, w);
  grow_span (&processed->y, &processed->height, receptive_margin (layer), 16, h);
  return TRUE;
}

/* Copies the rectangle inner (in the coordinates of outer, which img
 * covers) out of img and its alpha; *img and *alpha are replaced. */
static gboolean
crop_to (sst_image           *img,
         gfloat             **alpha,
         const GeglRectangle *outer,
         const GeglRectangle *inner,
         GError             **error)
{
  sst_image  cut = { 0 };
  gfloat    *cut_alpha = NULL;
  gint       dx = inner->x - outer->x, dy = inner->y - outer->y;

  if (inner->width == img->width && inner->height == img->height)
    return TRUE;
  if (sst_image_alloc (&cut, inner->width, inner->height) != SST_OK ||
      (*alpha && (cut_alpha = g_try_new (gfloat, (gsize) inner->width * inner->height)) == NULL))
    {
      sst_image_free (&cut);
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Not enough memory for a %d × %d image."),
                   inner->width, inner->height);
      return FALSE;
    }
  for (gint y = 0; y < inner->height; y++)
    {
      gsize src = (gsize) (y + dy) * img->width + dx;
      gsize dst = (gsize) y * inner->width;

      memcpy (cut.rgb + dst * 3, img->rgb + src * 3,
              sizeof (float) * 3 * inner->width);
      if (cut_alpha)
        memcpy (cut_alpha + dst, *alpha + src, sizeof (gfloat) * inner->width);
    }
  sst_image_free (img);
  *img = cut;
  g_free (*alpha);
  *alpha = cut_alpha;
  return TRUE;
}

/* Creates the result layer above drawable over rect (layer coordinates),
 * fills it and, with a selection, gives it the selection as layer mask;
 * one undo step. */
static GimpPDBStatusType
insert_result (GimpImage           *image,
               GimpDrawable        *drawable,
               GimpDrawable        *style_layer,
               const GeglRectangle *rect,
               gboolean             masked,
               const sst_image     *out,
               const gfloat        *alpha,
               GError             **error)
{
  gchar     *name   = sst_result_layer_name (style_layer);
  GimpItem  *parent = gimp_item_get_parent (GIMP_ITEM (drawable));
  gint       pos    = gimp_image_get_item_position (image, GIMP_ITEM (drawable));
  gint       ox = 0, oy = 0;
  GimpLayer *layer;

  gimp_drawable_get_offsets (drawable, &ox, &oy);

  gimp_image_undo_group_start (image);
  layer = gimp_layer_new (image, name, out->width, out->height,
                          alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE, 100.0,
                          gimp_image_get_default_new_layer_mode (image));
  g_free (name);

  /* Same parent and position as the source puts the new layer right above
   * it, inside the same group if the source is in one. */
  if (layer == NULL ||
      ! gimp_image_insert_layer (image, layer,
                                 parent ? GIMP_LAYER (parent) : NULL, pos))
    {
      if (layer)
        gimp_item_delete (GIMP_ITEM (layer));
      gimp_image_undo_group_end (image);
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Could not add the result layer to the image."));
      return GIMP_PDB_EXECUTION_ERROR;
    }
  gimp_layer_set_offsets (layer, ox + rect->x, oy + rect->y);
  sst_pixels_write (GIMP_DRAWABLE (layer), out, alpha);
  if (masked)
    {
      /* The selection as it lies over the new layer: soft edges kept. */
      GimpLayerMask *mask = gimp_layer_create_mask (layer, GIMP_ADD_MASK_SELECTION);

      if (mask == NULL || ! gimp_layer_add_mask (layer, mask))
        {
          /* take the layer out again: the image looks as it was */
          gimp_image_remove_layer (image, layer);
          gimp_image_undo_group_end (image);
          g_set_error (error, SST_PLUGIN_ERROR, 0,
                       _("Could not add the selection as the result's layer mask."));
          return GIMP_PDB_EXECUTION_ERROR;
        }
    }
  gimp_drawable_update (GIMP_DRAWABLE (layer), 0, 0, out->width, out->height);
  gimp_image_undo_group_end (image);
  return GIMP_PDB_SUCCESS;
}

/* Testing aid, like SST_CANCEL_AT: SST_MEMORY_LIMIT_MB=N caps this
 * process's address space at its present size plus N MB for the engine's
 * part of the run (from after the layers are read), so
 * that a test can make the engine run out of memory and check that the
 * image is left alone and the message says so. */
static void
limit_memory_for_test (const gchar *extra_mb)
{
  unsigned long pages = 0;
  struct rlimit lim;
  FILE         *f;

  if (extra_mb == NULL || *extra_mb == '\0')
    return;
  f = fopen ("/proc/self/statm", "r");
  if (f == NULL)
    return;
  if (fscanf (f, "%lu", &pages) == 1 && getrlimit (RLIMIT_AS, &lim) == 0)
    {
      lim.rlim_cur = (rlim_t) pages * (rlim_t) sysconf (_SC_PAGESIZE) +
                     (rlim_t) g_ascii_strtoull (extra_mb, NULL, 10) * 1048576;
      setrlimit (RLIMIT_AS, &lim);
    }
  fclose (f);
}

GimpPDBStatusType
sst_render (GimpImage       *image,
            GimpDrawable    *drawable,
            const SstArgs   *args,
            const sst_model *model,
            GimpRunMode      run_mode,
            GError         **error)
{
  sst_image          content = { 0 }, style = { 0 }, out = { 0 };
  guint8            *content8 = NULL, *style8 = NULL;
  GeglRectangle      style_rect;
  gfloat            *alpha = NULL;
  guint8            *cmap_rgb = NULL, *smap_rgb = NULL;
  GeglRectangle      result_rect, processed;
  gboolean           masked = FALSE;
  sst_map            cmap = { 0 }, smap = { 0 };
  sst_session       *session = NULL;
  sst_error          err = { 0 };
  sst_status         st;
  GimpPDBStatusType  status = GIMP_PDB_EXECUTION_ERROR;
  ProgressState      state = { "", 2.0 };
  struct sigaction   sa, old_int, old_term;
  const gchar       *cancel_at = g_getenv ("SST_CANCEL_AT");

  (void) run_mode;
  if (cancel_at && *cancel_at)
    state.cancel_at = g_ascii_strtod (cancel_at, NULL);

  gimp_progress_init (_("Semantic Style: reading layers"));

  if (! selection_rects (image, drawable, args->params.layer, &result_rect,
                         &processed, &masked, error))
    {
      status = GIMP_PDB_CALLING_ERROR;
      goto done;
    }
  /* 8-bit layers go to the engine as bytes, like the CLI's files */
  style_rect = (GeglRectangle) { 0, 0,
                                 gimp_drawable_get_width (args->style_layer),
                                 gimp_drawable_get_height (args->style_layer) };
  if (! sst_pixels_read_rect_as_engine (drawable, &processed, &content8,
                                        &content, &alpha, error) ||
      ! sst_pixels_read_rect_as_engine (args->style_layer, &style_rect,
                                        &style8, &style, NULL, error))
    goto done;

  /* the content map is cut like the layer (sst_args_check: same size) */
  if (args->content_map &&
      ! sst_pixels_read_map (args->content_map, 0, &processed,
                             &cmap_rgb, &cmap.width, &cmap.height, error))
    goto done;
  if (args->style_map &&
      ! sst_pixels_read_map (args->style_map, 0, NULL,
                             &smap_rgb, &smap.width, &smap.height, error))
    goto done;
  if (cmap_rgb)
    cmap = sst_pixels_map_view (cmap_rgb, cmap.width, cmap.height);
  if (smap_rgb)
    smap = sst_pixels_map_view (smap_rgb, smap.width, smap.height);

  /* after reading the layers: the engine is what is being tested */
  limit_memory_for_test (g_getenv ("SST_MEMORY_LIMIT_MB"));
  session = sst_session_new (model);
  if (session == NULL)
    {
      st = SST_ERR_NOMEM;
      g_strlcpy (err.msg, "session", sizeof err.msg);
      status = sst_engine_error (st, &err, error);
      goto done;
    }
  sst_session_set_progress (session, progress_cb, &state);
  /* one run: the content's encoding goes once the second pass takes over */
  sst_session_set_keep_content (session, 0);

  st = content8 ? sst_session_set_content8 (session, processed.width,
                                            processed.height, content8,
                                            cmap_rgb ? &cmap : NULL, &err)
                : sst_session_set_content (session, &content,
                                           cmap_rgb ? &cmap : NULL, &err);
  if (st != SST_OK)
    {
      status = sst_engine_error (st, &err, error);
      goto done;
    }
  /* the session holds its own copy: free ours before the run */
  g_clear_pointer (&content8, g_free);
  sst_image_free (&content);
  st = style8 ? sst_session_set_style8 (session, style_rect.width,
                                        style_rect.height, style8,
                                        smap_rgb ? &smap : NULL, &err)
              : sst_session_set_style (session, &style,
                                       smap_rgb ? &smap : NULL, &err);
  if (st != SST_OK)
    {
      status = sst_engine_error (st, &err, error);
      goto done;
    }
  g_clear_pointer (&style8, g_free);
  sst_image_free (&style);

  /* While computing, SIGINT/SIGTERM cancel cleanly instead of killing the
   * process (libgimp's default handlers); restored right after. */
  cancel_requested = 0;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_cancel_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);

  /* Map errors (too many colours...) surface here, when the encodings are
   * computed, so name the map from the engine's message when possible. */
  st = sst_session_run (session, &args->params, &out, &err);

  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  if (st != SST_OK)
    {
      status = sst_engine_error (st, &err, error);
      goto done;
    }
  if (out.width != processed.width || out.height != processed.height)
    {
      g_set_error (error, SST_PLUGIN_ERROR, 0,
                   _("Semantic Style failed: the result has the wrong size."));
      goto done;
    }

  if (! crop_to (&out, &alpha, &processed, &result_rect, error))
    goto done;

  gimp_progress_set_text (_("Adding the result layer"));
  status = insert_result (image, drawable, args->style_layer, &result_rect,
                          masked, &out, alpha, error);
  gimp_progress_update (1.0);

done:
  if (session)
    sst_session_free (session);
  sst_image_free (&content);
  sst_image_free (&style);
  g_free (content8);
  g_free (style8);
  sst_image_free (&out);
  g_free (alpha);
  g_free (cmap_rgb);
  g_free (smap_rgb);
  gimp_progress_end ();
  return status;
}
