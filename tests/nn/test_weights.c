/* test_weights.c - the weights loader on valid and corrupt files.
 *
 * A valid decoder_relu3_1 file is built at test time; each case breaks one
 * thing (header length, JSON, dtype, shape, names, offsets, values,
 * metadata) and checks the status code, that the one-line message names
 * the file and the culprit, and that nothing crashes (this also runs under
 * ASan+UBSan).  A final loop feeds randomly mutated headers. */
#include "../check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_testutil.h"
#include "safetensors.h"

static char dir[256];
static const char *NET = "decoder_relu3_1";


/* Loads path as `net` and checks the outcome.  want_sub: substring the
 * message must contain (besides the file name), NULL for success. */
static void expect_load(const char *what, const char *path, const char *net,
                        sst_status want, const char *want_sub) {
  sst_error err = {SST_OK, ""};
  sst_net *n = NULL;
  sst_status s = !strcmp(net, "encoder")
                     ? sst_encoder_load(path, &n, &err)
                     : sst_decoder_load(path,
                                        strstr(net, "4_1") ? SST_RELU4_1
                                                           : SST_RELU3_1,
                                        &n, &err);
  const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  int ok = s == want && (s == SST_OK) == (n != NULL);
  if (want != SST_OK) {
    ok = ok && err.code == want && err.msg[0] && !strchr(err.msg, '\n') &&
         strstr(err.msg, file) && (!want_sub || strstr(err.msg, want_sub));
  }
  printf("%s %-34s -> status %d%s%s\n", ok ? "ok  " : "FAIL", what, (int)s,
         s ? ": " : "", s ? err.msg : "");
  if (!ok) {
    printf("     expected status %d with \"%s\" in the message\n", (int)want,
           want_sub ? want_sub : "");
    failures++;
  }
  sst_net_free(n);
}

static void path_of(char *buf, size_t size, const char *name) {
  snprintf(buf, size, "%s/%s", dir, name);
}

/* Builds the decoder file from t (n tensors) with meta, then loads it. */
static void case_tensors(const char *what, tw_tensor *t, int n,
                         const char *meta, sst_status want,
                         const char *want_sub) {
  char p[512];
  path_of(p, sizeof p, "decoder_relu3_1.safetensors");
  if (tw_save(p, t, n, meta)) {
    CHECK(0, "cannot write %s", p);
    return;
  }
  expect_load(what, p, NET, want, want_sub);
}

/* Writes raw bytes and loads them. */
static void case_bytes(const char *what, const unsigned char *b, size_t len,
                       sst_status want, const char *want_sub) {
  char p[512];
  path_of(p, sizeof p, "decoder_relu3_1.safetensors");
  if (tw_write(p, b, len)) {
    CHECK(0, "cannot write %s", p);
    return;
  }
  expect_load(what, p, NET, want, want_sub);
}

static int find(tw_tensor *t, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(t[i].name, name))
      return i;
  printf("FATAL: no tensor %s in the test table\n", name);
  exit(1);
}

static void set_u64(unsigned char *b, uint64_t v) {
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(v >> (8 * i));
}

static void structural_cases(void) {
  tw_tensor t[32];
  int n = tw_net(NET, "F32", t, 32, NULL);
  if (!n) {
    printf("FATAL: tw_net\n");
    exit(1);
  }
  const char *meta = tw_meta(NET);
  case_tensors("valid F32", t, n, meta, SST_OK, NULL);
  for (int i = 0; i < n; i++)
    strcpy(t[i].dtype, "F16");
  case_tensors("valid F16", t, n, meta, SST_OK, NULL);
  for (int i = 0; i < n; i++)
    strcpy(t[i].dtype, "BF16");
  case_tensors("valid BF16", t, n, meta, SST_OK, NULL);
  for (int i = 0; i < n; i++)
    strcpy(t[i].dtype, i % 3 == 0 ? "F32" : i % 3 == 1 ? "F16" : "BF16");
  case_tensors("valid mixed dtypes", t, n, meta, SST_OK, NULL);
  for (int i = 0; i < n; i++)
    strcpy(t[i].dtype, "F32");

  /* byte-level corruptions of a valid image */
  unsigned char *img;
  size_t len;
  if (tw_build(t, n, meta, &img, &len)) {
    printf("FATAL: tw_build\n");
    exit(1);
  }
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | img[i];
  unsigned char *b = malloc(len);
  case_bytes("truncated data (-100 bytes)", img, len - 100, SST_ERR_FORMAT,
             "dec.");
  case_bytes("truncated inside the header", img, 8 + (size_t)hlen / 2,
             SST_ERR_FORMAT, "header length");
  case_bytes("only 5 bytes", img, 5, SST_ERR_FORMAT, "too short");
  case_bytes("empty file", img, 0, SST_ERR_FORMAT, "too short");
  memcpy(b, img, len);
  set_u64(b, len); /* header longer than the file */
  case_bytes("header length > file size", b, len, SST_ERR_FORMAT,
             "header length");
  set_u64(b, 1);
  case_bytes("header length 1", b, len, SST_ERR_FORMAT, "header length");
  set_u64(b, (uint64_t)1 << 62);
  case_bytes("header length 2^62", b, len, SST_ERR_FORMAT, "header length");
  memcpy(b, img, len);
  b[8] = '[';
  case_bytes("bad JSON (array at top)", b, len, SST_ERR_FORMAT, "JSON");
  memcpy(b, img, len);
  b[8 + hlen / 2] = '\x01';
  case_bytes("bad JSON (control byte)", b, len, SST_ERR_FORMAT, "JSON");
  { /* the header's JSON followed by a stray character */
    size_t tl = (size_t)hlen;
    while (img[8 + tl - 1] == ' ')
      tl--;
    unsigned char *g = malloc(len + 8);
    memcpy(g, img, 8 + tl);
    g[8 + tl] = '0';
    memcpy(g + 8 + tl + 1, img + 8 + hlen, len - 8 - (size_t)hlen);
    set_u64(g, tl + 1);
    case_bytes("bad JSON (trailing characters)", g,
               len - (size_t)hlen + tl + 1, SST_ERR_FORMAT, "trailing");
    free(g);
  }
  free(b);
  free(img);

  /* header-level corruptions */
  case_tensors("bad JSON (trailing comma)", t, n,
               "{\"format\":\"semantic-style-weights\",\"net\":"
               "\"decoder_relu3_1\",}", SST_ERR_FORMAT, "JSON");
  case_tensors("duplicate metadata key", t, n,
               "{\"format\":\"semantic-style-weights\",\"net\":\"encoder\","
               "\"net\":\"decoder_relu3_1\"}", SST_ERR_FORMAT, "duplicate");
  case_tensors("metadata value not a string", t, n,
               "{\"format\":\"semantic-style-weights\",\"net\":"
               "\"decoder_relu3_1\",\"seed\":5}", SST_ERR_FORMAT, "seed");
  case_tensors("no __metadata__", t, n, NULL, SST_ERR_FORMAT, "format");
  case_tensors("wrong format", t, n,
               "{\"format\":\"pytorch\",\"net\":\"decoder_relu3_1\"}",
               SST_ERR_FORMAT, "pytorch");
  case_tensors("wrong net", t, n,
               "{\"format\":\"semantic-style-weights\",\"net\":"
               "\"decoder_relu4_1\"}", SST_ERR_FORMAT, "decoder_relu4_1");
  case_tensors("escaped strings in metadata", t, n,
               "{\"format\":\"semantic-\\u0073tyle-weights\",\"net\":"
               "\"decoder_relu3_1\",\"command\":\"a \\\"b\\\" \\\\ "
               "\\ud83d\\ude00\\n\"}", SST_OK, NULL);

  case_tensors("newline in metadata value", t, n,
               "{\"format\":\"semantic-style-weights\",\"net\":"
               "\"decoder\\nrelu3_1\"}", SST_ERR_FORMAT, "decoder?relu3_1");

  int k = find(t, n, "dec.conv2_1.weight");
  strcpy(t[k].dtype, "F64");
  case_tensors("wrong dtype F64", t, n, meta, SST_ERR_FORMAT, "F64");
  strcpy(t[k].dtype, "I32");
  case_tensors("wrong dtype I32", t, n, meta, SST_ERR_FORMAT,
               "dec.conv2_1.weight");
  strcpy(t[k].dtype, "F32");
  t[k].shape[1] = 64;
  case_tensors("wrong shape", t, n, meta, SST_ERR_FORMAT,
               "dec.conv2_1.weight has shape [64,64,3,3], expected "
               "[64,128,3,3]");
  t[k].shape[1] = 128;
  t[k].ndim = 3;
  case_tensors("wrong rank", t, n, meta, SST_ERR_FORMAT, "dec.conv2_1.weight");
  t[k].ndim = 4;

  int last = find(t, n, "dec.conv1_1.bias");
  case_tensors("missing tensor", t, last, meta, SST_ERR_FORMAT,
               "dec.conv1_1.bias is missing");
  tw_tensor extra[33];
  memcpy(extra, t, (size_t)n * sizeof *t);
  extra[n] = t[last];
  strcpy(extra[n].name, "dec.conv0.bias");
  case_tensors("extra tensor", extra, n + 1, meta, SST_ERR_FORMAT,
               "unexpected tensor dec.conv0.bias");
  extra[n] = t[last];
  strcpy(extra[n].name, "enc.conv1_1.bias");
  case_tensors("encoder tensor in a decoder", extra, n + 1, meta,
               SST_ERR_FORMAT, "enc.conv1_1.bias");

  t[last].override_offsets = 1;
  t[last].begin = 0;
  t[last].end = (uint64_t)1 << 40;
  case_tensors("offsets beyond the data", t, n, meta, SST_ERR_FORMAT,
               "dec.conv1_1.bias");
  t[last].begin = 12, t[last].end = 0;
  case_tensors("offsets begin > end", t, n, meta, SST_ERR_FORMAT,
               "dec.conv1_1.bias");
  t[last].begin = 0, t[last].end = 8;
  case_tensors("byte range != shape x dtype", t, n, meta, SST_ERR_FORMAT,
               "needs 12 bytes");
  t[last].override_offsets = 0;

  float keep = t[k].values[100];
  t[k].values[100] = NAN;
  case_tensors("NaN value (F32)", t, n, meta, SST_ERR_FORMAT,
               "dec.conv2_1.weight has a non-finite value");
  t[k].values[100] = -INFINITY;
  case_tensors("-Inf value (F32)", t, n, meta, SST_ERR_FORMAT, "non-finite");
  t[k].values[100] = 1e5f; /* finite in F32, overflows to Inf in F16 */
  strcpy(t[k].dtype, "F16");
  case_tensors("Inf after F16 conversion", t, n, meta, SST_ERR_FORMAT,
               "non-finite");
  strcpy(t[k].dtype, "BF16");
  t[k].values[100] = NAN;
  case_tensors("NaN value (BF16)", t, n, meta, SST_ERR_FORMAT, "non-finite");
  strcpy(t[k].dtype, "F32");
  t[k].values[100] = keep;

  /* paths: missing file, directory, another net's file */
  char p[512];
  path_of(p, sizeof p, "missing.safetensors");
  expect_load("missing file", p, NET, SST_ERR_IO, "missing.safetensors");
  expect_load("a directory", dir, NET, SST_ERR_IO, NULL);
  path_of(p, sizeof p, "encoder.safetensors");
  if (tw_save_net(p, "encoder", "F16", NULL) == 0) {
    expect_load("encoder file as decoder", p, NET, SST_ERR_FORMAT, "net");
    expect_load("encoder file as encoder", p, "encoder", SST_OK, NULL);
    remove(p);
  }
  tw_free(t, n);
}

/* Decoding of half-precision bit patterns (expected values from numpy /
 * torch, see the comments) and a round trip through a file. */
static void conversion_cases(void) {
  static const struct {
    uint16_t bits;
    float want;
  } f16[] = {{0x3C00, 1.0f},          {0xC100, -2.5f},
             {0x7BFF, 65504.0f},      {0x0001, 5.960464477539063e-08f},
             {0x0400, 6.103515625e-05f}, {0x2E66, 0.0999755859375f},
             {0x03FF, 6.097555160522461e-05f}}, bf16[] = {
                 {0x3F80, 1.0f},
                 {0xC020, -2.5f},
                 {0x3DCD, 0.10009765625f},
                 {0x0001, 9.183549615799121e-41f}};
  int bad = 0;
  for (size_t i = 0; i < sizeof f16 / sizeof *f16; i++)
    bad += sst_half_to_float(f16[i].bits) != f16[i].want;
  for (size_t i = 0; i < sizeof bf16 / sizeof *bf16; i++)
    bad += sst_bf16_to_float(bf16[i].bits) != bf16[i].want;
  bad += !isinf(sst_half_to_float(0x7C00)) || !isnan(sst_half_to_float(0x7E00));
  bad += !signbit(sst_half_to_float(0x8000));
  CHECK(!bad, "%d half/bfloat16 bit patterns decoded wrongly", bad);

  /* every finite half against IEEE 754's definition, computed in double:
   * (-1)^s 2^(e-15) (1 + m/1024), subnormals 2^-14 (m/1024) */
  bad = 0;
  for (unsigned h = 0; h < 65536; h++) {
    unsigned e = (h >> 10) & 0x1F, m = h & 0x3FF;
    if (e == 31)
      continue;
    double v = e ? ldexp(1.0 + m / 1024.0, (int)e - 15) : ldexp(m / 1024.0, -14);
    if (h & 0x8000)
      v = -v;
    float got = sst_half_to_float((uint16_t)h);
    bad += got != (float)v || !signbit(got) != !signbit(v);
  }
  CHECK(!bad, "%d of the 63488 finite halves decoded wrongly", bad);

  /* values written by the test writer in F16 / BF16, read by the loader;
   * expected = numpy float16 / torch bfloat16 rounding of the inputs */
  float in[5] = {0.1f, -0.333333f, 3e-6f, -7.1234f, 65504.0f};
  float want16[5] = {0.0999755859375f, -0.333251953125f,
                     2.9802322387695312e-06f, -7.125f, 65504.0f};
  float wantbf[5] = {0.10009765625f, -0.333984375f, 2.995133399963379e-06f, -7.125f,
                     65536.0f};
  for (int pass = 0; pass < 2; pass++) {
    tw_tensor t;
    memset(&t, 0, sizeof t);
    strcpy(t.name, "x");
    strcpy(t.dtype, pass ? "BF16" : "F16");
    t.ndim = 1;
    t.shape[0] = 5;
    t.values = in;
    char p[512];
    path_of(p, sizeof p, "conv.safetensors");
    sst_st_file *f = NULL;
    sst_error err = {0};
    float got[5] = {0};
    int64_t shape[1] = {5};
    int rc = tw_save(p, &t, 1, NULL) || sst_st_open(p, &f, &err) ||
             sst_st_read_f32(f, "x", 1, shape, got, &err);
    CHECK(!rc, "%s round trip: %s", t.dtype, err.msg);
    for (int i = 0; !rc && i < 5; i++)
      CHECK(got[i] == (pass ? wantbf : want16)[i],
            "%s value %d: got %.9g want %.9g", t.dtype, i, got[i],
            (pass ? wantbf : want16)[i]);
    sst_st_close(f);
    remove(p);
  }
  printf("ok   F16/BF16 decoding of bit patterns and file round trips\n");
}

/* Random mutations of header bytes and of the length field: any status is
 * acceptable, crashes and sanitizer reports are not. */
static void fuzz_cases(void) {
  tw_tensor t[32];
  int n = tw_net(NET, "F16", t, 32, NULL);
  unsigned char *img;
  size_t len;
  if (!n || tw_build(t, n, tw_meta(NET), &img, &len)) {
    CHECK(0, "fuzz setup");
    return;
  }
  tw_free(t, n);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | img[i];
  unsigned char *b = malloc(len);
  char p[512];
  path_of(p, sizeof p, "decoder_relu3_1.safetensors");
  uint64_t rng = 0x1234567;
  int ok = 0, rejected = 0, other = 0;
  static const char alphabet[] = "{}[]\":,0123456789-e.\\u \x01\xff";
  for (int it = 0; it < 150; it++) {
    memcpy(b, img, len);
    int edits = 1 + it % 4;
    for (int e = 0; e < edits; e++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      size_t pos = 8 + (size_t)((rng >> 33) % hlen);
      int c = (int)((rng >> 20) % (sizeof alphabet - 1));
      b[pos] = (unsigned char)alphabet[c];
    }
    size_t cut = len;
    if (it % 10 == 9)
      cut = (size_t)(rng >> 30) % len;
    if (tw_write(p, b, cut))
      break;
    sst_error err = {0};
    sst_net *net = NULL;
    sst_status s = sst_decoder_load(p, SST_RELU3_1, &net, &err);
    if (s == SST_OK)
      ok++;
    else if (s == SST_ERR_FORMAT && err.msg[0])
      rejected++;
    else
      other++;
    sst_net_free(net);
  }
  free(b);
  free(img);
  CHECK(other == 0, "fuzz: %d results neither OK nor FORMAT", other);
  printf("ok   150 mutated files: %d loaded, %d rejected, %d other\n", ok,
         rejected, other);
}

int main(void) {
  const char *d = tw_tmpdir();
  if (!d) {
    printf("FATAL: no temporary directory\n");
    return 1;
  }
  snprintf(dir, sizeof dir, "%s", d);
  structural_cases();
  conversion_cases();
  fuzz_cases();
  tw_cleanup(dir);
  printf("%s\n", failures ? "FAILED" : "all weights checks passed");
  return failures ? 1 : 0;
}
