/* sst-dialog.h - the interactive dialog (GimpProcedureDialog + preview). */
#ifndef SST_DIALOG_H
#define SST_DIALOG_H

#include <libgimp/gimp.h>

#include "sst.h"

/* Shows the dialog for stylizing drawable of image; returns TRUE when the
 * user pressed OK (config then holds the chosen settings). */
gboolean sst_dialog_run (GimpProcedure       *procedure,
                         GimpProcedureConfig *config,
                         GimpImage           *image,
                         GimpDrawable        *drawable,
                         const sst_model     *model);

#endif
