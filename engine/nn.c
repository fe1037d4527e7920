/* nn.c - encoder and decoders driven by static layer tables.
 *
 * One table per network lists its operations in order.  The same table
 * drives the weight loading (names, shapes), the validation (nothing
 * missing, nothing extra), the size check, the FLOP-weighted progress and
 * the forward pass, so the three networks cannot drift apart from their
 * weights files. */
#include <stdio.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "conv_cache.h"
#include "scratch_pool.h"
#include "conv_par.h"
#include "conv_taps.h"
#include "conv_winograd.h"
#include "error.h"
#include "layers.h"
#include "nn.h"
#include "safetensors.h"

#define WEIGHTS_FORMAT "semantic-style-weights"

typedef enum { OP_CONV1, OP_CONV3, OP_POOL, OP_UP } op_kind;
typedef enum { MARK_NONE, MARK_RELU3_1, MARK_RELU4_1 } out_mark;

typedef struct {
  op_kind op;
  const char *name; /* tensor prefix: NAME.weight, NAME.bias (convs only) */
  int cin, cout;
  int relu;
  out_mark mark;    /* this layer's output is a named feature */
} layer_def;

typedef struct {
  const char *net; /* "__metadata__" net value */
  const layer_def *layers;
  int n;
} net_def;

#define CONV3(nm, ci, co, r, m) {OP_CONV3, nm, ci, co, r, m}
#define POOL {OP_POOL, NULL, 0, 0, 0, MARK_NONE}
#define UP {OP_UP, NULL, 0, 0, 0, MARK_NONE}

static const layer_def ENCODER[] = {
    {OP_CONV1, "enc.conv0", 3, 3, 0, MARK_NONE}, /* input normalisation */
    CONV3("enc.conv1_1", 3, 64, 1, MARK_NONE),
    CONV3("enc.conv1_2", 64, 64, 1, MARK_NONE),
    POOL,
    CONV3("enc.conv2_1", 64, 128, 1, MARK_NONE),
    CONV3("enc.conv2_2", 128, 128, 1, MARK_NONE),
    POOL,
    CONV3("enc.conv3_1", 128, 256, 1, MARK_RELU3_1),
    CONV3("enc.conv3_2", 256, 256, 1, MARK_NONE),
    CONV3("enc.conv3_3", 256, 256, 1, MARK_NONE),
    CONV3("enc.conv3_4", 256, 256, 1, MARK_NONE),
    POOL,
    CONV3("enc.conv4_1", 256, 512, 1, MARK_RELU4_1),
};

/* The relu4_1 decoder; the relu3_1 decoder is its tail from dec.conv3_1
 * (DECODER3_FROM), the same layers under the same names, since both
 * mirror the encoder. */
static const layer_def DECODER4[] = {
    CONV3("dec.conv4_1", 512, 256, 1, MARK_NONE),
    UP,
    CONV3("dec.conv3_4", 256, 256, 1, MARK_NONE),
    CONV3("dec.conv3_3", 256, 256, 1, MARK_NONE),
    CONV3("dec.conv3_2", 256, 256, 1, MARK_NONE),
    CONV3("dec.conv3_1", 256, 128, 1, MARK_NONE),
    UP,
    CONV3("dec.conv2_2", 128, 128, 1, MARK_NONE),
    CONV3("dec.conv2_1", 128, 64, 1, MARK_NONE),
    UP,
    CONV3("dec.conv1_2", 64, 64, 1, MARK_NONE),
    CONV3("dec.conv1_1", 64, 3, 0, MARK_NONE),
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const net_def NET_ENCODER = {"encoder", ENCODER, COUNT(ENCODER)};
#define DECODER3_FROM 5 /* DECODER4[5] is dec.conv3_1 */
static const net_def NET_DECODER3 = {"decoder_relu3_1",
                                     DECODER4 + DECODER3_FROM,
                                     COUNT(DECODER4) - DECODER3_FROM};
static const net_def NET_DECODER4 = {"decoder_relu4_1", DECODER4,
                                     COUNT(DECODER4)};

/* ------------------------------------------------ geometry of the tables
 *
 * The tiling (tiles.c) and the pipeline's padding read the networks'
 * geometry from the tables above rather than from constants of their own:
 * a changed table changes them too. */

/* Index of the encoder layer whose output is `layer`'s features. */
static int mark_index(sst_layer layer) {
  const out_mark want = layer == SST_RELU4_1 ? MARK_RELU4_1 : MARK_RELU3_1;
  for (int i = 0; i < NET_ENCODER.n; i++)
    if (ENCODER[i].mark == want)
      return i;
  return NET_ENCODER.n - 1;
}

/* Pixels per step of the map after layers [0, n) of an encoder table. */
static int stride_after(const layer_def *l, int n) {
  int s = 1;
  for (int i = 0; i < n; i++)
    s *= l[i].op == OP_POOL ? 2 : 1;
  return s;
}

/* Receptive radius in input pixels of layers [0, n): a 3x3 convolution on
 * a map of stride s reaches s pixels further each side.  Pooling adds
 * nothing where its 2x2 windows line up with the image (the pipeline pads
 * to sst_net_pad_multiple and tiles on that grid). */
static int radius_of(const layer_def *l, int n, int stride) {
  int r = 0;
  for (int i = 0; i < n; i++) {
    if (l[i].op == OP_CONV3)
      r += stride;
    else if (l[i].op == OP_POOL)
      stride *= 2;
    else if (l[i].op == OP_UP)
      stride /= 2;
  }
  return r;
}

int sst_net_layer_cell(sst_layer layer) {
  return stride_after(ENCODER, mark_index(layer) + 1);
}

int sst_net_pad_multiple(void) {
  return stride_after(ENCODER, NET_ENCODER.n);
}

int sst_net_receptive_radius(sst_layer layer) {
  const int enc = radius_of(ENCODER, mark_index(layer) + 1, 1);
  const net_def *d = layer == SST_RELU4_1 ? &NET_DECODER4 : &NET_DECODER3;
  const int dec = radius_of(d->layers, d->n, sst_net_layer_cell(layer));
  return enc > dec ? enc : dec;
}

struct sst_net {
  const net_def *def;
  float *params;     /* all weights and biases, one allocation */
  size_t *w_off;     /* per layer: offset of weight / bias in params */
  size_t *b_off;
  /* per layer: 3x3 kernels transformed for Winograd (u == NULL until a
   * forward pass first takes that path), computed once per load.  Lazily:
   * a model carries both decoders and the encoder to relu4_1, and a
   * relu3_1 run uses under half of the layers; transforming all of them
   * at load was 10% of a one-shot 800x600 run, plus ~100 MB of fresh
   * pages (bench/NOTES.md).  The lock lets sessions in two threads (the
   * dialog's preview and the final run) share the model. */
  sst_wino_weights *wino;
  pthread_mutex_t *wino_lock;
};

static int is_conv(const layer_def *l) {
  return l->op == OP_CONV1 || l->op == OP_CONV3;
}
static int ksize(const layer_def *l) { return l->op == OP_CONV3 ? 3 : 1; }

void sst_net_free(sst_net *n) {
  if (!n)
    return;
  if (n->wino)
    for (int i = 0; i < n->def->n; i++)
      sst_wino_weights_free(&n->wino[i]);
  free(n->wino);
  if (n->wino_lock) {
    pthread_mutex_destroy(n->wino_lock);
    free(n->wino_lock);
  }
  sst_fmap_trim();    /* buffers kept for the forward passes */
  sst_scratch_trim(); /* and for the reconstruction solves */
  free(n->params);
  free(n->w_off);
  free(n->b_off);
  free(n);
}

static sst_status check_metadata(sst_st_file *f, const net_def *def,
                                 sst_error *err) {
  const char *L = sst_st_name(f);
  const char *format = sst_st_meta(f, "format");
  const char *net = sst_st_meta(f, "net");
  if (!format || strcmp(format, WEIGHTS_FORMAT) != 0)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: __metadata__ \"format\" is %s%.40s%s, expected \""
                    WEIGHTS_FORMAT "\"", L, format ? "\"" : "",
                    format ? format : "missing", format ? "\"" : "");
  if (!net || strcmp(net, def->net) != 0)
    return sst_fail(err, SST_ERR_FORMAT,
                    "%s: __metadata__ \"net\" is %s%.40s%s, expected \"%s\"",
                    L, net ? "\"" : "", net ? net : "missing", net ? "\"" : "",
                    def->net);
  return SST_OK;
}

static sst_status load(const char *path, const net_def *def, sst_net **out,
                       sst_error *err) {
  *out = NULL;
  sst_st_file *f = NULL;
  sst_status s = sst_st_open(path, &f, err);
  if (s)
    return s;
  sst_net *n = calloc(1, sizeof *n);
  if (n) {
    n->def = def;
    n->w_off = calloc((size_t)def->n, sizeof *n->w_off);
    n->b_off = calloc((size_t)def->n, sizeof *n->b_off);
    n->wino = calloc((size_t)def->n, sizeof *n->wino);
    n->wino_lock = malloc(sizeof *n->wino_lock);
    if (n->wino_lock && pthread_mutex_init(n->wino_lock, NULL) != 0) {
      free(n->wino_lock);
      n->wino_lock = NULL;
    }
  }
  size_t total = 0;
  for (int i = 0; i < def->n; i++) {
    const layer_def *l = &def->layers[i];
    if (!is_conv(l) || !n || !n->w_off || !n->b_off)
      continue;
    n->w_off[i] = total;
    total += (size_t)l->cout * (size_t)l->cin * (size_t)(ksize(l) * ksize(l));
    n->b_off[i] = total;
    total += (size_t)l->cout;
  }
  if (!n || !n->w_off || !n->b_off || !n->wino || !n->wino_lock ||
      !(n->params = sst_big_alloc(total * sizeof *n->params))) {
    s = sst_fail(err, SST_ERR_NOMEM, "%s: out of memory", sst_st_name(f));
    goto done;
  }
  s = check_metadata(f, def, err);
  for (int i = 0; i < def->n && !s; i++) {
    const layer_def *l = &def->layers[i];
    if (!is_conv(l))
      continue;
    char name[96];
    int64_t wshape[4] = {l->cout, l->cin, ksize(l), ksize(l)};
    int64_t bshape[1] = {l->cout};
    snprintf(name, sizeof name, "%s.weight", l->name);
    s = sst_st_read_f32(f, name, 4, wshape, n->params + n->w_off[i], err);
    if (s)
      break;
    snprintf(name, sizeof name, "%s.bias", l->name);
    s = sst_st_read_f32(f, name, 1, bshape, n->params + n->b_off[i], err);
  }
  if (!s)
    s = sst_st_check_all_used(f, def->net, err);
done:
  sst_st_close(f);
  if (s) {
    /* names and metadata come from the file and may hold escaped control
     * characters: keep the message on one printable line */
    for (char *c = err ? err->msg : NULL; c && *c; c++)
      if ((unsigned char)*c < 0x20 || *c == 0x7F)
        *c = '?';
    sst_net_free(n);
    return s;
  }
  *out = n;
  return SST_OK;
}

sst_status sst_encoder_load(const char *path, sst_net **out, sst_error *err) {
  return load(path, &NET_ENCODER, out, err);
}

sst_status sst_decoder_load(const char *path, sst_layer layer, sst_net **out,
                            sst_error *err) {
  if (layer != SST_RELU3_1 && layer != SST_RELU4_1) {
    *out = NULL;
    return sst_fail(err, SST_ERR_INVALID, "unknown decoder layer %d",
                    (int)layer);
  }
  return load(path, layer == SST_RELU3_1 ? &NET_DECODER3 : &NET_DECODER4, out,
              err);
}

/* Walks layers [0, n) over an h x w input: checks that every pooling has at
 * least 2x2 to work on and sums the cost of each layer into cost[] (FLOPs
 * for convolutions, one per element for the cheap pooling/upsampling). */
static sst_status plan(const net_def *def, int n, int h, int w, double *cost,
                       double *total, sst_error *err) {
  *total = 0;
  for (int i = 0; i < n; i++) {
    const layer_def *l = &def->layers[i];
    double px = (double)h * (double)w;
    switch (l->op) {
    case OP_CONV1:
    case OP_CONV3:
      cost[i] = 2.0 * l->cin * l->cout * ksize(l) * ksize(l) * px;
      break;
    case OP_POOL:
      if (h < 2 || w < 2)
        return sst_fail(err, SST_ERR_INVALID,
                        "%s: input too small (feature map %dx%d cannot be "
                        "pooled)", def->net, w, h);
      cost[i] = px;
      h /= 2;
      w /= 2;
      break;
    case OP_UP:
      if (h > (1 << 28) || w > (1 << 28))
        return sst_fail(err, SST_ERR_INVALID, "%s: input too large", def->net);
      h *= 2;
      w *= 2;
      cost[i] = 4.0 * px;
      break;
    }
    *total += cost[i];
  }
  return SST_OK;
}

/* Whether layers i and i + 1 run as one fused Winograd convolution
 * (conv_winograd.h): 0, or the fusion of the pair.  Only where layer i is
 * not a mark (its output is never needed) and the convolution takes the
 * Winograd path anyway, so the numbers are the same as unfused. */
static sst_wino_fuse fusion(const sst_net *net, int i, int n,
                            const sst_tensor *in, const sst_ctx *ctx) {
  if (i + 1 >= n)
    return SST_WINO_PLAIN;
  const layer_def *a = &net->def->layers[i], *b = &net->def->layers[i + 1];
  if (a->mark)
    return SST_WINO_PLAIN;
  if (a->op == OP_CONV3 && b->op == OP_POOL &&
      sst_conv_pick_winograd(ctx, a->cin, a->cout, in->h, in->w))
    return SST_WINO_POOLED_OUTPUT;
  if (a->op == OP_UP && b->op == OP_CONV3 && in->h <= INT_MAX / 2 &&
      in->w <= INT_MAX / 2 &&
      sst_conv_pick_winograd(ctx, b->cin, b->cout, 2 * in->h, 2 * in->w))
    return SST_WINO_UPSAMPLED_INPUT;
  return SST_WINO_PLAIN;
}

/* Layer i's Winograd kernels, transformed on first use. */
static sst_status wino_weights(const sst_net *net, int i, sst_error *err) {
  const layer_def *l = &net->def->layers[i];
  sst_status s = SST_OK;
  pthread_mutex_lock(net->wino_lock);
  if (!net->wino[i].u)
    s = sst_wino_weights_init(&net->wino[i], net->params + net->w_off[i],
                              l->cin, l->cout, err);
  pthread_mutex_unlock(net->wino_lock);
  return s;
}

/* Convolution layer `conv` by Winograd, with the neighbouring layer fused
 * in as `fuse` says (SST_WINO_PLAIN: none). */
static sst_status run_winograd(const sst_net *net, int conv, sst_wino_fuse fuse,
                               const sst_tensor *in, sst_tensor *out,
                               sst_ctx *p, sst_error *err) {
  const layer_def *l = &net->def->layers[conv];
  sst_status s = wino_weights(net, conv, err);
  if (s)
    return s;
  return sst_conv3x3_winograd_fused(in, &net->wino[conv],
                                    net->params + net->b_off[conv], l->relu, 0,
                                    fuse, out, p, err);
}

static sst_status run_layer(const sst_net *net, int i, const sst_tensor *in,
                            sst_tensor *out, sst_ctx *p, sst_error *err) {
  const layer_def *l = &net->def->layers[i];
  const float *wt = net->params + net->w_off[i];
  const float *b = net->params + net->b_off[i];
  switch (l->op) {
  case OP_CONV1:
    return sst_conv1x1(in, wt, b, l->cout, l->relu, out, err);
  case OP_CONV3:
    if (sst_conv_pick_taps(p, l->cin, l->cout))
      return sst_conv3x3_taps(in, wt, b, l->cout, l->relu, out, p, err);
    if (sst_conv_pick_winograd(p, l->cin, l->cout, in->h, in->w))
      return run_winograd(net, i, SST_WINO_PLAIN, in, out, p, err);
    return sst_conv3x3(in, wt, b, l->cout, l->relu, out, p, err);
  case OP_POOL:
    return sst_maxpool2(in, out, err);
  case OP_UP:
    return sst_upsample2(in, out, err);
  }
  return sst_fail(err, SST_ERR_INVALID, "bad layer kind");
}

/* Runs layers [0, n) on `in`.  marks[k] (k = MARK_RELU3_1, MARK_RELU4_1)
 * receive the outputs of marked layers when non-NULL; `final` receives the
 * output of the last layer unless that is already handed out as a mark. */
static sst_status forward(const sst_net *net, int n, const sst_tensor *in,
                          sst_tensor *marks[3], sst_tensor *final,
                          sst_ctx *p, sst_error *err) {
  double cost[32], total;
  if (n > (int)(sizeof cost / sizeof *cost))
    return sst_fail(err, SST_ERR_INVALID, "network table too long");
  sst_status s = plan(net->def, n, in->h, in->w, cost, &total, err);
  if (s)
    return s;
  const sst_tensor *cur = in;
  sst_tensor owned = {0}; /* cur's storage when we own it */
  int cur_owned = 0;
  double done = 0;
  for (int i = 0; i < n; i++) {
    const layer_def *l = &net->def->layers[i];
    sst_ctx sub, *sp = NULL;
    if (p) {
      sub = sst_ctx_sub(p, (float)(done / total),
                             (float)((done + cost[i]) / total), NULL);
      sp = &sub;
    }
    sst_tensor next;
    const int fused = fusion(net, i, n, cur, p);
    if (fused && p) /* one progress range over both layers */
      sub = sst_ctx_sub(p, (float)(done / total),
                             (float)((done + cost[i] + cost[i + 1]) / total),
                             NULL);
    if (fused) {
      done += cost[i];
      i++; /* the pair ends at layer i: its mark and final rules apply */
      l = &net->def->layers[i];
      /* the convolution is the first of the pair before a pool, the
       * second after an upsample */
      s = run_winograd(net, fused == SST_WINO_POOLED_OUTPUT ? i - 1 : i, fused,
                       cur, &next, sp, err);
    } else {
      s = run_layer(net, i, cur, &next, sp, err);
    }
    if (p) {
      p->last_report = sub.last_report;
      p->cancelled |= sub.cancelled;
    }
    if (cur_owned) /* its storage serves a later layer */
      sst_fmap_recycle(&owned);
    cur_owned = 0;
    if (s)
      goto fail;
    done += cost[i];
    if (sst_ctx_tick(p, (float)(done / total))) {
      sst_tensor_free(&next);
      s = sst_fail(err, SST_ERR_CANCELLED, "cancelled");
      goto fail;
    }
    sst_tensor *dst = l->mark ? marks[l->mark] : NULL;
    if (!dst && i == n - 1)
      dst = final;
    if (dst) {
      *dst = next; /* handed to the caller; still the next layer's input */
      cur = dst;
    } else {
      owned = next;
      cur = &owned;
      cur_owned = 1;
    }
  }
  if (cur_owned) /* only when final == NULL and the last layer is unmarked */
    sst_fmap_recycle(&owned);
  return SST_OK;
fail:
  for (int k = 0; k < 3; k++)
    if (marks[k])
      sst_tensor_free(marks[k]);
  if (final)
    sst_tensor_free(final);
  return s;
}

static void clear(sst_tensor *t) {
  if (t)
    memset(t, 0, sizeof *t);
}

sst_status sst_encoder_run(const sst_net *enc, const sst_tensor *rgb,
                           sst_tensor *relu3_1, sst_tensor *relu4_1,
                           sst_ctx *p, sst_error *err) {
  clear(relu3_1);
  clear(relu4_1);
  if (!enc || enc->def != &NET_ENCODER || !rgb || !rgb->data || !relu3_1)
    return sst_fail(err, SST_ERR_INVALID, "encoder: invalid arguments");
  if (rgb->c != 3 || rgb->h <= 0 || rgb->w <= 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "encoder: input must be 3 x H x W, got %d x %d x %d",
                    rgb->c, rgb->h, rgb->w);
  /* Stop right after the last requested output. */
  int n = 0;
  for (int i = 0; i < enc->def->n; i++) {
    out_mark m = enc->def->layers[i].mark;
    if (m == MARK_RELU3_1 || (m == MARK_RELU4_1 && relu4_1))
      n = i + 1;
  }
  sst_tensor *marks[3] = {NULL, relu3_1, relu4_1};
  return forward(enc, n, rgb, marks, NULL, p, err);
}

sst_status sst_decoder_run(const sst_net *dec, const sst_tensor *feat,
                           sst_tensor *rgb, sst_ctx *p, sst_error *err) {
  clear(rgb);
  if (!dec || dec->def == &NET_ENCODER || !feat || !feat->data || !rgb)
    return sst_fail(err, SST_ERR_INVALID, "decoder: invalid arguments");
  int cin = dec->def->layers[0].cin;
  if (feat->c != cin || feat->h <= 0 || feat->w <= 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "%s: input must have %d channels, got %d x %d x %d",
                    dec->def->net, cin, feat->c, feat->h, feat->w);
  sst_tensor *marks[3] = {NULL, NULL, NULL};
  return forward(dec, dec->def->n, feat, marks, rgb, p, err);
}
