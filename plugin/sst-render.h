/* sst-render.h - the full-resolution run: pixels in, engine, new layer out. */
#ifndef SST_RENDER_H
#define SST_RENDER_H

#include <libgimp/gimp.h>

#include "sst-args.h"

/* Stylizes drawable with args and inserts the result as a new layer above
 * it in one undo group.  Reports progress through GIMP's progress bar.  On
 * any failure or cancel the image is left as it was; *error is set except
 * for GIMP_PDB_CANCEL. */
GimpPDBStatusType sst_render (GimpImage       *image,
                              GimpDrawable    *drawable,
                              const SstArgs   *args,
                              const sst_model *model,
                              GimpRunMode      run_mode,
                              GError         **error);

/* Maps an engine failure to a PDB status and a translated GError. */
GimpPDBStatusType sst_engine_error (sst_status        status,
                                    const sst_error  *err,
                                    GError          **error);

#endif
