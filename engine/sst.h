/* sst.h - public API of the Semantic Style engine (pure C11 + OpenBLAS).
 *
 * The engine repaints a content image in the style of a style image, region by
 * region: encode both with a VGG19-topology encoder, reconstruct the target
 * feature per semantic region by minimising ||Fo-Fc||^2 + gamma*MMD^2(Fo,Fs),
 * then decode back to pixels.  Nothing here includes GIMP or GTK headers.
 *
 * Images cross this API as interleaved RGB float32 in [0,1] (sst_image) and
 * semantic maps as interleaved RGB8 (sst_map).  Every fallible call returns an
 * sst_status and fills an sst_error with one human-readable line.
 *
 * Threads.  A model is read-only once loaded: any number of sessions, in
 * any threads, may share it (its lazily made caches lock themselves).
 * Different sessions may run at the same time, each in its own thread,
 * with different parameters: every per-call setting (threads, precision,
 * the progress callback) travels with the call, nothing is process-wide,
 * and a run's output does not depend on what runs beside it.  One session
 * is not thread-safe: its calls must not overlap (a run, a set_content, a
 * set_progress on the same session from two threads at once).  The model
 * must outlive its sessions.  The engine keeps OpenBLAS at one thread (a
 * setting of that library, written once, always to 1) and runs its
 * parallel loops on its own workers.
 */
#ifndef SST_H
#define SST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SST_MAX_LABELS 16 /* more distinct colours than this is not a doodle */

typedef enum {
  SST_OK = 0,
  SST_ERR_INVALID,   /* bad argument or option value */
  SST_ERR_IO,        /* file missing or unreadable */
  SST_ERR_FORMAT,    /* corrupt / mismatched weights, unreadable image data */
  SST_ERR_MAP,       /* semantic map unusable (size, too many colours, empty) */
  SST_ERR_NOMEM,
  SST_ERR_CANCELLED
} sst_status;

typedef struct {
  sst_status code;
  char msg[512];
} sst_error;

typedef enum {
  SST_KERNEL_NONE = 0, /* only valid as a fusion partner: "no fusion" */
  SST_KERNEL_LINEAR,
  SST_KERNEL_POLY,
  SST_KERNEL_GAUSSIAN,
  SST_KERNEL_BN
} sst_kernel;

typedef enum { SST_RELU3_1 = 0, SST_RELU4_1 = 1 } sst_layer;

/* How the target feature is reconstructed: STATS (the default) matches
 * per-region statistics (the kernels above); PATCH replaces each content
 * feature patch by its best-matching style patch of the same region
 * ("style swap", README). */
typedef enum { SST_METHOD_STATS = 0, SST_METHOD_PATCH = 1 } sst_method;
#define SST_PATCH_SIZE_MAX 7

/* Arithmetic of the convolutions.  FLOAT32 (the default) is exact to
 * float32 round-off.  BF16 rounds the Winograd convolutions' transformed
 * inputs and kernels to bfloat16 and sums in float32: about 1.5x faster
 * on a CPU with AVX-512 BF16, with a small, measured loss (README,
 * "Precision"); elsewhere it runs as FLOAT32 (sst_precision_available). */
typedef enum { SST_PRECISION_FLOAT32 = 0, SST_PRECISION_BF16 = 1 } sst_precision;

/* Progress: fraction in [0,1] of the whole call, stage is a short English
 * name ("encode content", "encode style", "reconstruct", "decode").
 * Called at least every ~100 ms of work.  Return non-zero to cancel; the
 * call then returns SST_ERR_CANCELLED as soon as possible. */
typedef int (*sst_progress_fn)(float fraction, const char *stage, void *user);

typedef struct {
  int width, height;
  float *rgb; /* width*height*3, interleaved, [0,1] */
} sst_image;

typedef struct {
  int width, height;
  const uint8_t *rgb; /* width*height*3 interleaved flat-colour doodle */
  /* width*height opacities, or NULL (every pixel painted).  A pixel under
   * SST_MAP_PAINTED_ALPHA is unpainted: the unpainted content pixels form
   * one region, paired with the style map's unpainted pixels (or the whole
   * style when the style map has none or is absent).  A map with no
   * painted pixel counts as no map. */
  const uint8_t *alpha;
} sst_map;

#define SST_MAP_PAINTED_ALPHA 128 /* at least 50 % opaque = painted */

typedef struct {
  sst_kernel kernel;       /* style kernel, default POLY */
  double gamma;            /* balance content vs style; default per kernel */
  double poly_c;           /* polynomial kernel offset c; 0 = Gram matching */
  sst_kernel fuse_kernel;  /* second kernel or SST_KERNEL_NONE */
  double fuse_weight;      /* weight of the second kernel's MMD^2 */
  sst_layer layer;         /* feature layer used for reconstruction */
  int iterations;          /* reconstruction iterations */
  double color_match;      /* 0..1: how far each region's RGB mean and
                              covariance move to its style region's after
                              decoding (default 1; 0 = the decoder's own) */
  int max_size;            /* longest side of processed content; 0 = full size */
  int style_max_size;      /* longest side of processed style (default 512) */
  int threads;             /* workers of this run; 0 = all cores */
  sst_precision precision; /* default FLOAT32; this run only */
  int preserve_colors;     /* non-zero: the output keeps the content's
                              chroma (YCbCr Cb, Cr) and takes only its luma
                              from the stylized result, after the colour
                              match (preserve_colors.h) */
  double style_scale;      /* 0.25..4 (default 1): the style's processed size
                              relative to the style_max_size fit */
  sst_method method;       /* default STATS */
  int patch_size;          /* PATCH: feature patch side, odd, 1..7 (3) */
  double patch_blend;      /* PATCH: 0 = the content's feature, 1 = the
                              swapped one (default in params.c) */
  double patch_spread;     /* PATCH: usage price of a style patch, 0 = the
                              nearest patch, up to 1 (recon_patch.c) */
  double patch_guide;      /* PATCH: weight of the brightness guide, 0 = off,
                              up to 1 (recon_patch.c) */
  int passes;              /* 1..8: times the pipeline runs, each pass after
                              the first on the last one's result */
  int tile;                /* encoder/decoder tile side in px: 0 = automatic
                              (one piece up to SST_UNTILED_MAX_PIXELS, tiles
                              beyond), -1 = never tile, 64..65536 = this size
                              (rounded up to a multiple of 8) */
} sst_params;
/* The range, default and help of every field are rows of one table
 * (settings.h); sst_params_resolve() there applies the per-kernel default
 * gamma and the other policies, and sst_session_run refuses a value
 * outside its row's range. */

/* Images up to this many (processed) pixels run in one piece by default;
 * larger ones are tiled so memory stays bounded (see tiles.h). */
#define SST_UNTILED_MAX_PIXELS (1024 * 1024)
#define SST_DEFAULT_TILE 384

/* Fills defaults (poly kernel, its default gamma, relu3_1, ...). */
void sst_params_default(sst_params *p);
/* Default gamma of a kernel (the value sst_params_default would pick). */
double sst_kernel_default_gamma(sst_kernel k);
/* "linear" "poly" "gaussian" "bn" ("none" for SST_KERNEL_NONE). */
const char *sst_kernel_name(sst_kernel k);
/* Parses a kernel name; returns 0 on success. */
int sst_kernel_from_name(const char *name, sst_kernel *out);
const char *sst_layer_name(sst_layer l);
/* "float32" "bf16"; parsing returns 0 on success. */
const char *sst_precision_name(sst_precision p);
int sst_precision_from_name(const char *name, sst_precision *out);
/* Non-zero when p runs as asked on this CPU (FLOAT32 always does). */
int sst_precision_available(sst_precision p);
int sst_layer_from_name(const char *name, sst_layer *out);

/* --- model: encoder + decoders loaded from a weights directory -------- */
typedef struct sst_model sst_model;

/* Loads DIR/encoder.safetensors and whichever of
 * DIR/decoder_relu3_1.safetensors and DIR/decoder_relu4_1.safetensors are
 * present (at least one must be).  Every tensor's name,
 * dtype, shape and byte range is checked against the network tables. */
sst_status sst_model_load(const char *dir, sst_model **out, sst_error *err);
void sst_model_free(sst_model *m);
int sst_model_has_layer(const sst_model *m, sst_layer l);

/* --- session: cached encodings so a gamma/kernel change is cheap -------- */
typedef struct sst_session sst_session;

sst_session *sst_session_new(const sst_model *m);
void sst_session_free(sst_session *s);
void sst_session_set_progress(sst_session *s, sst_progress_fn fn, void *user);

/* Content and style images with optional maps (NULL = one region).  The
 * images are copied; encodings are computed lazily by sst_session_run and
 * kept until the image, the map, the size limits or the layer change. */
sst_status sst_session_set_content(sst_session *s, const sst_image *img,
                                   const sst_map *map, sst_error *err);
sst_status sst_session_set_style(sst_session *s, const sst_image *img,
                                 const sst_map *map, sst_error *err);
/* The same from interleaved 8-bit RGB (width*height*3 bytes, value q
 * meaning q / 255.0f, exactly as if those floats had been given): what an
 * 8-bit file decodes to, with no float copy of the whole image on either
 * side; a large image stays 8-bit in the session (README, "Large
 * images"). */
sst_status sst_session_set_content8(sst_session *s, int width, int height,
                                    const uint8_t *rgb, const sst_map *map,
                                    sst_error *err);
sst_status sst_session_set_style8(sst_session *s, int width, int height,
                                  const uint8_t *rgb, const sst_map *map,
                                  sst_error *err);

/* Whether the content's encoding and statistics outlive the first pass of
 * a run (default 1: kept for the next run, so a gamma or kernel change
 * does not encode again; the live preview's speed rests on it).  A caller
 * that runs a session once (the CLI, the plug-in's render, sst_stylize)
 * sets 0: they are then freed as soon as a repeated pass takes over, so
 * two passes peak about as high as one (a 1600x1068 content: 503 MB
 * against 629 MB kept, 500 MB at one pass), and a later run encodes the
 * content again.  The result is the same bit for bit either way. */
void sst_session_set_keep_content(sst_session *s, int keep);

/* Runs encode (if needed), reconstruct, decode.  out->rgb is allocated by
 * the engine (free with sst_image_free) and has the content's size. */
sst_status sst_session_run(sst_session *s, const sst_params *p,
                           sst_image *out, sst_error *err);

/* Seconds spent in each stage by the last sst_session_run (0 when cached). */
typedef struct {
  double encode, reconstruct, decode, total;
  double color; /* the colour match, included in decode */
} sst_timings;
void sst_session_timings(const sst_session *s, sst_timings *t);

/* One-shot convenience wrapper around a session. */
sst_status sst_stylize(const sst_model *m, const sst_image *content,
                       const sst_map *content_map, const sst_image *style,
                       const sst_map *style_map, const sst_params *p,
                       sst_progress_fn fn, void *user, sst_image *out,
                       sst_error *err);

sst_status sst_image_alloc(sst_image *img, int width, int height);
void sst_image_free(sst_image *img);

#ifdef __cplusplus
}
#endif
#endif
