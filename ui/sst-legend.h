/* sst-legend.h - the dialog's region legend: one swatch per colour found in
 * the maps, with what the transfer does with it (engine/legend.h). */
#ifndef SST_LEGEND_WIDGET_H
#define SST_LEGEND_WIDGET_H

#include <libgimp/gimp.h>
#include <gtk/gtk.h>

typedef struct _SstLegendView SstLegendView;

SstLegendView *sst_legend_view_new    (void);
GtkWidget     *sst_legend_view_widget (SstLegendView *view);

/* Reads both maps (either may be NULL) at a reduced size, labels and pairs
 * them as a run would, and shows the result; a map that cannot be read or
 * labelled shows its message instead.  Returns TRUE when the maps' pixels
 * differ from the last call (so the caller can refresh the preview after
 * the artist painted). */
gboolean       sst_legend_view_update (SstLegendView *view,
                                       GimpDrawable  *content_map,
                                       GimpDrawable  *style_map);
void           sst_legend_view_free   (SstLegendView *view);

#endif
