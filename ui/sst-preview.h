/* sst-preview.h - live preview of the dialog.
 *
 * Works on downscaled copies (about SST_PREVIEW_SIZE px) in one worker
 * thread.  Each change is computed in two passes: a quick one on a copy of
 * at most SST_PREVIEW_COARSE_SIZE px (shown, scaled up, as soon as it is
 * there), then the full preview.  Each pass has its own sst_session, so
 * content and style are re-set (and so re-encoded) only when they change,
 * and moving the gamma slider only re-runs reconstruction + decoding.
 * Every change bumps a generation counter; the running job sees it in its
 * progress callback and stops, and results of old generations are dropped.
 * Results reach the widgets through g_idle_add, on the main loop.  All
 * functions here are for the main thread. */
#ifndef SST_PREVIEW_H
#define SST_PREVIEW_H

#include <gtk/gtk.h>

#include "sst.h"

/* Longest side of the copy the live preview works on. */
#define SST_PREVIEW_SIZE 400

/* Longest side of the quick first pass.  The decoder's cost grows with the
 * pixel count, so this pass costs about a quarter of the full one (see
 * `sst-bench`, section "live preview"). */
#define SST_PREVIEW_COARSE_SIZE 200

typedef struct _SstPreview SstPreview;

/* The model must outlive the preview. */
SstPreview *sst_preview_new         (const sst_model *model);
/* The widget (preview area, progress bar, status line) to pack. */
GtkWidget  *sst_preview_get_widget  (SstPreview      *preview);

/* New inputs; the preview takes ownership of img->rgb and map (may be
 * NULL).  Nothing is copied. */
void        sst_preview_set_content (SstPreview      *preview,
                                     sst_image       *img,
                                     guint8          *map);
void        sst_preview_set_style   (SstPreview      *preview,
                                     sst_image       *img,
                                     guint8          *map);
void        sst_preview_set_params  (SstPreview      *preview,
                                     const sst_params *params);
void        sst_preview_set_enabled (SstPreview      *preview,
                                     gboolean         enabled);
/* Shows msg instead of computing (inputs that cannot work yet), or clears
 * it with NULL. */
void        sst_preview_set_problem (SstPreview      *preview,
                                     const gchar     *msg);

/* Stops the worker (waits for it) and releases everything.  The widget may
 * be destroyed afterwards. */
void        sst_preview_free        (SstPreview      *preview);

#endif
