/* recon_patch.c - placeholder while the refactor builds */
#include "error.h"
#include "recon_internal.h"
sst_status sst_recon_patch_solve(const sst_recon_stats *st,
                                 const sst_termset *ts,
                                 const sst_recon_params *p,
                                 sst_recon_result *res, sst_progress *prog,
                                 sst_error *err) {
  (void)st; (void)ts; (void)p; (void)res; (void)prog;
  return sst_fail(err, SST_ERR_INVALID, "patch: not yet");
}
