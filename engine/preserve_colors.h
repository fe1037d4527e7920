/* preserve_colors.h - keep the content's colours, take the stylized
 * result's lightness ("luminance-only transfer").
 *
 * Space: YCbCr with the BT.601 luma weights (Y' = .299 R' + .587 G' +
 * .114 B', full range, the JPEG one) on the gamma-encoded R'G'B' the engine
 * works in.  Why not CIELAB: the swap "Y' of the result, Cb Cr of the
 * content" is then exactly out = content + (Y'_result - Y'_content)(1,1,1),
 * with no linearisation, cube roots or out-of-gamut round trip; Y' is the
 * lightness signal that carries the strokes and edges; and the same family
 * (YIQ) is what Gatys et al. (2016, "Preserving color in neural artistic
 * style transfer") used.  CIELAB would separate lightness from chroma a
 * little better for saturated blues, at several times the cost.
 *
 * Where the content's chroma does not fit in [0,1] at the new lightness
 * (a saturated colour made much lighter or darker), the chroma is scaled
 * down, hue and the new Y' kept, just enough to fit: out = Y' (1,1,1) +
 * t (content - Y'_content (1,1,1)), t in [0,1] as large as possible.
 * Everywhere else t = 1 and Cb, Cr equal the content's.  Internal to the
 * engine. */
#ifndef SST_PRESERVE_COLORS_H
#define SST_PRESERVE_COLORS_H
#include "context.h"
#include "sst.h"

#define SST_LUMA_R 0.299
#define SST_LUMA_G 0.587
#define SST_LUMA_B 0.114

/* out (stylized, values in [0,1]) keeps its Y' and takes content's chroma;
 * both images have the same size (else nothing is done).  Rows are spread
 * over ctx's workers (NULL: all cores). */
void sst_preserve_colors(sst_image *out, const sst_image *content,
                         const sst_ctx *ctx);
/* The same with the content as 8-bit RGB (each value q / 255.0f, side.h):
 * the same result as with those floats. */
void sst_preserve_colors8(sst_image *out, const uint8_t *content, int width,
                          int height, const sst_ctx *ctx);
#endif
