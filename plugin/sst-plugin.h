/* sst-plugin.h - names and small types shared by the plug-in and its dialog.
 *
 * The plug-in is one GIMP 3 procedure, plug-in-semantic-style: it repaints
 * the selected layer in the style of another layer (from any open image),
 * region by region when flat-colour semantic maps are given, and puts the
 * result in a NEW layer above the source. */
#ifndef SST_PLUGIN_H
#define SST_PLUGIN_H

#include <libgimp/gimp.h>

#include "sst.h"

#define SST_PLUG_IN_PROC   "plug-in-semantic-style"
#define SST_PLUG_IN_BINARY "semantic-style"
#define SST_PLUG_IN_ROLE   "semantic-style"

/* Longest side of the copy the live preview works on. */
#define SST_PREVIEW_SIZE 400

/* Everything a run needs, read from the procedure config.  The drawables are
 * borrowed from the config (valid while it lives). */
typedef struct {
  GimpDrawable *style_layer;
  GimpDrawable *content_map; /* may be NULL */
  GimpDrawable *style_map;   /* may be NULL */
  sst_params    params;
} SstArgs;

/* Reads the config into args (engine defaults for what the procedure does
 * not expose). */
void sst_args_from_config (GimpProcedureConfig *config,
                           SstArgs             *args);

/* Checks the arguments against the target drawable before any work is done:
 * RGB image, a layer as target, a style layer that is not the target, maps
 * of the right size.  Returns GIMP_PDB_SUCCESS or GIMP_PDB_CALLING_ERROR with
 * *error set to a translated one-line message. */
GimpPDBStatusType sst_args_check (GimpImage     *image,
                                  GimpDrawable  *drawable,
                                  const SstArgs *args,
                                  GError       **error);

/* The name of the result layer: "<style layer name> (semantic style)". */
gchar *sst_result_layer_name (GimpDrawable *style_layer);

/* Translated, user-facing name of an engine stage ("encode content" ...). */
const gchar *sst_stage_label (const gchar *stage);

/* GError domain of the plug-in's own messages. */
#define SST_PLUGIN_ERROR (sst_plugin_error_quark ())
GQuark sst_plugin_error_quark (void);

#endif
