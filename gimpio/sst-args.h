/* sst-args.h - the procedure's arguments as the plug-in and its dialog both
 * read them: config -> SstArgs, the checks that need no pixels, and the
 * plug-in's GError domain.
 *
 * gimpio/ is the layer below plugin/ and ui/: both include it, it includes
 * neither (tests/layout/check_includes.sh). */
#ifndef SST_ARGS_H
#define SST_ARGS_H

#include <libgimp/gimp.h>

#include "sst.h"

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

/* GError domain of the plug-in's own messages. */
#define SST_PLUGIN_ERROR (sst_plugin_error_quark ())
GQuark sst_plugin_error_quark (void);

#endif
