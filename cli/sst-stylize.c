/* sst-stylize - command-line front end of the Semantic Style engine.
 * Scripts depend on this interface; keep it stable. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas_reserve.h"
#include "image_io.h"
#include "sst.h"

static const char usage_text[] =
    "usage: sst-stylize CONTENT STYLE -o OUTPUT [--content-map PNG] [--style-map PNG]\n"
    "            [--kernel linear|poly|gaussian|bn] [--gamma G] [--poly-c C]\n"
    "            [--fuse KERNEL --fuse-weight W] [--layer relu3_1|relu4_1]\n"
    "            [--iterations N] [--color-match S] [--max-size PIXELS] [--weights DIR]\n"
    "            [--threads N] [--timings] [--tile auto|off|PIXELS] [--precision float32|bf16]\n"
    "            [--max-pixels N]\n";

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

static int parse_double(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

static int parse_int(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 1000000)
    return -1;
  *out = (int)v;
  return 0;
}

static int load_image(const char *path, sst_image *img, char *msg, size_t n) {
  uint8_t *rgb;
  int w, h;
  if (image_read_rgb8(path, &rgb, &w, &h, msg, n) != 0)
    return -1;
  if (sst_image_alloc(img, w, h) != SST_OK) {
    free(rgb);
    snprintf(msg, n, "%s: out of memory for %dx%d pixels as floats", path, w, h);
    return -1;
  }
  for (size_t i = 0; i < (size_t)w * h * 3; i++)
    img->rgb[i] = rgb[i] / 255.0f;
  free(rgb);
  return 0;
}

static int load_map(const char *path, sst_map *map, uint8_t **buf, char *msg,
                    size_t n) {
  if (image_read_rgb8(path, buf, &map->width, &map->height, msg, n) != 0)
    return -1;
  map->rgb = *buf;
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
  /* before anything else: OpenBLAS without its thread pool (see
   * blas_reserve.h), or an out-of-memory would hang instead of failing */
  sst_blas_single_thread_reexec(argv);
  enum { O_CMAP = 256, O_SMAP, O_KERNEL, O_GAMMA, O_POLYC, O_FUSE, O_FUSEW,
         O_LAYER, O_ITER, O_MAXSIZE, O_WEIGHTS, O_THREADS, O_TIMINGS, O_TILE, O_PRECISION, O_COLOR, O_MAXPIX, O_HELP };
  static const struct option opts[] = {
      {"output", required_argument, 0, 'o'},
      {"content-map", required_argument, 0, O_CMAP},
      {"style-map", required_argument, 0, O_SMAP},
      {"kernel", required_argument, 0, O_KERNEL},
      {"gamma", required_argument, 0, O_GAMMA},
      {"poly-c", required_argument, 0, O_POLYC},
      {"fuse", required_argument, 0, O_FUSE},
      {"fuse-weight", required_argument, 0, O_FUSEW},
      {"layer", required_argument, 0, O_LAYER},
      {"iterations", required_argument, 0, O_ITER},
      {"max-size", required_argument, 0, O_MAXSIZE},
      {"weights", required_argument, 0, O_WEIGHTS},
      {"threads", required_argument, 0, O_THREADS},
      {"timings", no_argument, 0, O_TIMINGS},
      {"tile", required_argument, 0, O_TILE},
      {"precision", required_argument, 0, O_PRECISION},
      {"color-match", required_argument, 0, O_COLOR},
      {"max-pixels", required_argument, 0, O_MAXPIX},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  sst_params p;
  sst_params_default(&p);
  const char *out_path = NULL, *cmap_path = NULL, *smap_path = NULL;
  const char *weights = NULL;
  int gamma_set = 0, timings = 0, fuse_w_set = 0, layer_set = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out_path = optarg; break;
    case O_CMAP: cmap_path = optarg; break;
    case O_SMAP: smap_path = optarg; break;
    case O_KERNEL:
      if (sst_kernel_from_name(optarg, &p.kernel) != 0 || p.kernel == SST_KERNEL_NONE)
        return fail("unknown --kernel '%s' (use linear, poly, gaussian or bn)", optarg);
      break;
    case O_GAMMA:
      if (parse_double(optarg, &p.gamma) != 0 || p.gamma < 0)
        return fail("--gamma '%s' is not a number >= 0", optarg);
      gamma_set = 1;
      break;
    case O_POLYC:
      if (parse_double(optarg, &p.poly_c) != 0 || p.poly_c < 0)
        return fail("--poly-c '%s' is not a number >= 0", optarg);
      break;
    case O_FUSE:
      if (sst_kernel_from_name(optarg, &p.fuse_kernel) != 0)
        return fail("unknown --fuse '%s' (use none, linear, poly, gaussian or bn)", optarg);
      break;
    case O_FUSEW:
      if (parse_double(optarg, &p.fuse_weight) != 0 || p.fuse_weight < 0)
        return fail("--fuse-weight '%s' is not a number >= 0", optarg);
      fuse_w_set = 1;
      break;
    case O_LAYER:
      if (sst_layer_from_name(optarg, &p.layer) != 0)
        return fail("unknown --layer '%s' (use relu3_1 or relu4_1)", optarg);
      layer_set = 1;
      break;
    case O_ITER:
      if (parse_int(optarg, &p.iterations) != 0 || p.iterations > 1000)
        return fail("--iterations '%s' is not an integer in 0..1000", optarg);
      break;
    case O_COLOR:
      if (parse_double(optarg, &p.color_match) != 0 || p.color_match < 0 ||
          p.color_match > 1)
        return fail("--color-match '%s' is not a number in 0..1", optarg);
      break;
    case O_MAXSIZE:
      if (parse_int(optarg, &p.max_size) != 0)
        return fail("--max-size '%s' is not a pixel count >= 0", optarg);
      break;
    case O_WEIGHTS: weights = optarg; break;
    case O_THREADS:
      if (parse_int(optarg, &p.threads) != 0 || p.threads > 1024)
        return fail("--threads '%s' is not an integer in 0..1024", optarg);
      break;
    case O_TIMINGS: timings = 1; break;
    case O_TILE: /* auto: tiles only beyond SST_UNTILED_MAX_PIXELS */
      if (!strcmp(optarg, "auto"))
        p.tile = 0;
      else if (!strcmp(optarg, "off"))
        p.tile = -1;
      else if (parse_int(optarg, &p.tile) != 0 || p.tile < 64 || p.tile > 65536)
        return fail("--tile '%s' is not auto, off or a tile size in 64..65536 pixels", optarg);
      break;
    case O_PRECISION:
      if (sst_precision_from_name(optarg, &p.precision) != 0)
        return fail("unknown --precision '%s' (use float32 or bf16)", optarg);
      if (!sst_precision_available(p.precision))
        fprintf(stderr, "sst-stylize: note: this CPU has no AVX-512 BF16; "
                        "running in float32\n");
      break;
    case O_MAXPIX: { /* images above it are refused from their header */
      char *end;
      errno = 0;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (end == optarg || *end || errno || v < 1 || optarg[0] == '-')
        return fail("--max-pixels '%s' is not a pixel count >= 1", optarg);
      image_set_max_pixels(v);
      break;
    }
    case 'h':
    case O_HELP: fputs(usage_text, stdout); return 0;
    default:
      if (optopt)
        fprintf(stderr, "sst-stylize: error: option -%c needs a value or is unknown\n", optopt);
      else
        fprintf(stderr, "sst-stylize: error: unknown option or missing value: %s\n",
                argv[optind - 1]);
      fputs(usage_text, stderr);
      return 2;
    }
  }
  if (argc - optind != 2 || !out_path) {
    fprintf(stderr, "sst-stylize: error: need CONTENT, STYLE and -o OUTPUT\n");
    fputs(usage_text, stderr);
    return 2;
  }
  if (fuse_w_set && p.fuse_kernel == SST_KERNEL_NONE)
    return fail("--fuse-weight needs --fuse KERNEL");
  {
    char why[600];
    if (image_check_output(out_path, why, sizeof why) != 0)
      return fail("%s", why);
  }
  if (!gamma_set)
    p.gamma = sst_kernel_default_gamma(p.kernel);

  char msg[600];
  sst_image content = {0}, style = {0}, result = {0};
  sst_map cmap = {0}, smap = {0};
  uint8_t *cbuf = NULL, *sbuf = NULL;
  sst_model *model = NULL;
  sst_session *session = NULL;
  sst_error err = {0};
  int rc = 1;
  if (load_image(argv[optind], &content, msg, sizeof msg) != 0 ||
      load_image(argv[optind + 1], &style, msg, sizeof msg) != 0 ||
      (cmap_path && load_map(cmap_path, &cmap, &cbuf, msg, sizeof msg) != 0) ||
      (smap_path && load_map(smap_path, &smap, &sbuf, msg, sizeof msg) != 0)) {
    fprintf(stderr, "sst-stylize: error: %s\n", msg);
    goto done;
  }
  if (sst_model_load(weights ? weights : default_weights(), &model, &err) != SST_OK) {
    fprintf(stderr, "sst-stylize: error: %s\n", err.msg);
    goto done;
  }
  /* A weights folder with only a relu4_1 decoder (a converted AdaIN pair)
   * works without --layer; an explicit --layer is never overridden. */
  if (!layer_set && !sst_model_has_layer(model, SST_RELU3_1))
    p.layer = SST_RELU4_1;
  session = sst_session_new(model);
  if (!session) {
    fprintf(stderr, "sst-stylize: error: out of memory for the session\n");
    goto done;
  }
  if (sst_session_set_content(session, &content, cmap_path ? &cmap : NULL, &err) != SST_OK ||
      sst_session_set_style(session, &style, smap_path ? &smap : NULL, &err) != SST_OK ||
      sst_session_run(session, &p, &result, &err) != SST_OK) {
    fprintf(stderr, "sst-stylize: error: %s\n", err.msg);
    goto done;
  }
  if (timings) {
    sst_timings t;
    sst_session_timings(session, &t);
    printf("encode %.3f s\nreconstruct %.3f s\ndecode %.3f s\ntotal %.3f s\n",
           t.encode, t.reconstruct, t.decode, t.total);
  }
  {
    size_t n = (size_t)result.width * result.height * 3;
    uint8_t *rgb8 = malloc(n);
    if (!rgb8) {
      fprintf(stderr, "sst-stylize: error: out of memory for the %dx%d output image\n",
              result.width, result.height);
      goto done;
    }
    for (size_t i = 0; i < n; i++)
      rgb8[i] = (uint8_t)lrintf(result.rgb[i] * 255.0f);
    int w = image_write_rgb8(out_path, rgb8, result.width, result.height, msg, sizeof msg);
    free(rgb8);
    if (w != 0) {
      fprintf(stderr, "sst-stylize: error: %s\n", msg);
      goto done;
    }
  }
  rc = 0;
done:
  sst_image_free(&content);
  sst_image_free(&style);
  sst_image_free(&result);
  free(cbuf);
  free(sbuf);
  sst_session_free(session);
  sst_model_free(model);
  return rc;
}
