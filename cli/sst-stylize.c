/* sst-stylize - command-line front end of the Semantic Style engine.
 * Scripts depend on this interface; keep it stable. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process_env.h"
#include "cli_options.h"
#include "context.h" /* sst_now */
#include "image_io.h"
#include "progress_bar.h"
#include "settings.h"
#include "sst.h"

/* One "sst-stylize: error: ..." line on stderr; returns the exit status. */
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sst-stylize: error: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/* The images go to the engine as the 8-bit values they decode to
 * (sst_session_set_content8): no float copy of a large photo. */
typedef struct {
  uint8_t *rgb;
  int w, h;
} rgb8_image;

static int load_image(const char *path, rgb8_image *img, char *msg, size_t n) {
  return image_read_rgb8(path, &img->rgb, &img->w, &img->h, msg, n);
}

/* A PNG map's alpha marks its unpainted pixels (sst_map.alpha). */
static int load_map(const char *path, sst_map *map, uint8_t **buf,
                    uint8_t **alpha, char *msg, size_t n) {
  if (image_read_map(path, buf, alpha, &map->width, &map->height, msg, n) != 0)
    return -1;
  map->rgb = *buf;
  map->alpha = *alpha;
  return 0;
}

/* Weights: --weights, else $SST_WEIGHTS_DIR, else the installed copy, else
 * the source tree (running from a build directory). */
static const char *default_weights(void) {
  const char *env = getenv("SST_WEIGHTS_DIR");
  if (env && *env)
    return env;
  if (access(SST_INSTALLED_WEIGHTS "/encoder.safetensors", R_OK) == 0)
    return SST_INSTALLED_WEIGHTS;
  return SST_SOURCE_WEIGHTS;
}

int main(int argc, char **argv) {
  /* before anything else: OpenBLAS without its thread pool, or an
   * out-of-memory would hang instead of failing, and malloc on huge pages
   * (process_env.h) */
  sst_process_env_reexec(argv);
  cli_options o;
  switch (cli_parse(argc, argv, &o)) {
  case CLI_HELP: cli_print_help(stdout); return 0;
  case CLI_ERROR: return 1;
  case CLI_USAGE_ERROR: cli_print_usage(stderr); return 2;
  default: break;
  }
  sst_params p = o.params;
  if ((o.given & SST_GIVEN(SST_SET_PRECISION)) && !sst_precision_available(p.precision))
    fprintf(stderr, "sst-stylize: note: this CPU has no AVX-512 BF16; "
                    "running in float32\n");
  if (o.max_pixels)
    image_set_max_pixels(o.max_pixels);
  {
    char why[600];
    if (image_check_output(o.output, why, sizeof why) != 0)
      return fail("%s", why);
  }
  sst_error err = {0};
  /* Checked before any file is read so a bad combination fails fast; again
   * with the model below for the policies that depend on it. */
  if (sst_params_resolve(&p, NULL, o.given, &err) != SST_OK)
    return fail("%s", err.msg);

  char msg[600];
  rgb8_image content = {0}, style = {0};
  sst_image result = {0};
  sst_map cmap = {0}, smap = {0};
  uint8_t *cbuf = NULL, *sbuf = NULL, *calpha = NULL, *salpha = NULL;
  sst_model *model = NULL;
  sst_session *session = NULL;
  int rc = 1;
  /* --timings: the seconds outside the engine too, so that a one-shot
   * run's time can be broken down (sst-bench oneshot reads these lines) */
  double t_read = sst_now(), t_weights = 0, t_write = 0;
  if (load_image(o.content, &content, msg, sizeof msg) != 0 ||
      load_image(o.style, &style, msg, sizeof msg) != 0 ||
      (o.content_map && load_map(o.content_map, &cmap, &cbuf, &calpha, msg, sizeof msg) != 0) ||
      (o.style_map && load_map(o.style_map, &smap, &sbuf, &salpha, msg, sizeof msg) != 0)) {
    fprintf(stderr, "sst-stylize: error: %s\n", msg);
    goto done;
  }
  t_read = sst_now() - t_read;
  t_weights = sst_now();
  if (sst_model_load(o.weights ? o.weights : default_weights(), &model, &err) != SST_OK ||
      sst_params_resolve(&p, model, o.given, &err) != SST_OK) {
    fprintf(stderr, "sst-stylize: error: %s\n", err.msg);
    goto done;
  }
  t_weights = sst_now() - t_weights;
  session = sst_session_new(model);
  if (!session) {
    fprintf(stderr, "sst-stylize: error: out of memory for the session\n");
    goto done;
  }
  /* one run: the content's encoding goes once the second pass takes over */
  sst_session_set_keep_content(session, 0);
  /* The bar only on a terminal: logs and pipes get no \r lines. */
  progress_bar bar;
  if (progress_bar_init(&bar, stderr) && !o.quiet)
    sst_session_set_progress(session, progress_bar_update, &bar);
  sst_status st = sst_session_set_content8(session, content.w, content.h, content.rgb,
                                           o.content_map ? &cmap : NULL, &err);
  /* the session keeps its own copies: the CLI's go before the run, so a
   * large image is not held twice (README, "Large images") */
  free(content.rgb);
  free(cbuf);
  free(calpha);
  content.rgb = cbuf = calpha = NULL;
  if (st == SST_OK)
    st = sst_session_set_style8(session, style.w, style.h, style.rgb,
                                o.style_map ? &smap : NULL, &err);
  if (st == SST_OK)
    st = sst_session_run(session, &p, &result, &err);
  if (st != SST_OK) {
    progress_bar_clear(&bar);
    fprintf(stderr, "sst-stylize: error: %s\n", err.msg);
    goto done;
  }
  progress_bar_clear(&bar);
  if (o.timings) {
    sst_timings t;
    sst_session_timings(session, &t);
    /* read: input images and maps decoded; weights: the model loaded.
     * The four engine lines keep their names and format (scripts and
     * tests/cli parse them); write follows once the output is written. */
    printf("read %.3f s\nweights %.3f s\n", t_read, t_weights);
    printf("encode %.3f s\nreconstruct %.3f s\ndecode %.3f s\ntotal %.3f s\n",
           t.encode, t.reconstruct, t.decode, t.total);
  }
  t_write = sst_now();
  /* the session's encodings and copies are not needed for the write */
  sst_session_free(session);
  session = NULL;
  {
    /* to 8-bit in place: byte i is written after float i was read, and
     * never beyond it (i < 4 i), so no second whole-image buffer */
    size_t n = (size_t)result.width * result.height * 3;
    uint8_t *rgb8 = (uint8_t *)result.rgb;
    for (size_t i = 0; i < n; i++)
      rgb8[i] = (uint8_t)lrintf(result.rgb[i] * 255.0f);
    int w = image_write_rgb8(o.output, rgb8, result.width, result.height, msg, sizeof msg);
    if (w != 0) {
      fprintf(stderr, "sst-stylize: error: %s\n", msg);
      goto done;
    }
  }
  if (o.timings)
    printf("write %.3f s\n", sst_now() - t_write);
  rc = 0;
done:
  free(content.rgb);
  free(style.rgb);
  sst_image_free(&result);
  free(cbuf);
  free(sbuf);
  free(calpha);
  free(salpha);
  sst_session_free(session);
  sst_model_free(model);
  return rc;
}
