// Depthwise convolution over a range of input planes. See prune_dense_kernels.h.
#include "prune_dense_kernels.h"
#include <stdlib.h>
#include <string.h>

#include "clones.h"
#include "cpu_features.h"
#include "depthwise_group16.h"
#include "depthwise_lanes.h"

// Outputs accumulated together in registers: 32, 64 or 128 (two, four or eight AVX-512 vectors, that many
// independent chains of products), the smallest that covers a small plane's outputs, else the widest: with
// two chains a 3×3 filter waited on the multiply-add latency (9 taps × 4 cycles per 32 outputs). Without
// AVX-512 the widest is 64: 128 outputs are all sixteen AVX2 registers, and the block spilled to the stack
// on every tap (a 1-channel 28×28 convolution of a small CNN: 16% of its inference profile).
enum { DEPTHWISE_BLOCK = 32, DEPTHWISE_WIDEST = 128 };

// Filters of one input plane run four at a time while four remain (a channel multiplier of 4 or more: first
// layers over one channel), over blocks of GROUP_WIDTH outputs: each input loaded at a tap feeds four sums,
// eight AVX2 accumulators (24 outputs needed one register too many and spilled one per tap). One filter at a
// time loaded an input for every product, half of those loads crossing a cache line at the taps' offsets. 64
// images, 1 channel over 28×28, one core: 16 filters 3×3 0.51 → 0.38 ms, at stride 2 0.19 → 0.14, LeNet-5's
// 6 filters 5×5 0.38 → 0.32.
// With AVX-512, sixteen filters at a time while sixteen remain (depthwise_group16_avx512.c), straight into the
// output planes. 32 images over 28×28, one core, the same bits: 16 filters 3×3 180 → 99 µs, at stride 2 70 → 35,
// 32 filters 415 → 232, 16 filters 5×5 358 → 195; 4 images over 112×112, 64 filters at stride 2 449 → 264.
enum { GROUP = 4, GROUP_WIDTH = 16 };
_Static_assert(DEPTHWISE_BLOCK % GROUP_WIDTH == 0, "a span of whole blocks is whole group blocks too");

static int64_t widest_block(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (prune_cpu_has_avx512()) return DEPTHWISE_WIDEST;
#endif
    return DEPTHWISE_WIDEST / 2;
}

// n floats from src to dst: an inline loop for the short rows of small planes (a 7×7 plane's rows through
// memcpy were fourteen library calls per plane, more than its filter), memcpy for long rows.
__attribute__((always_inline)) static inline void copy_row(float *restrict dst, const float *restrict src,
                                                           int64_t n) {
    if (n >= 64) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    for (int64_t i = 0; i < n; i++) dst[i] = src[i];
}

// The first output index whose input x·s + d is ≥ 0, and the end of those with input < extent.
static inline void valid_range(int64_t d, int64_t s, int64_t extent, int64_t outputs, int64_t *lo, int64_t *hi) {
    int64_t a = d >= 0 ? 0 : (-d + s - 1) / s;
    int64_t b = extent - d <= 0 ? 0 : (extent - d - 1) / s + 1;
    *lo = a < outputs ? a : outputs;
    *hi = b < outputs ? b : outputs;
    if (*hi < *lo) *hi = *lo;
}

// Dilation 1, any stride s: the zero-padded plane split into s_h·s_w phase planes (phase (a, b) holds the
// padded positions (r·s_h + a, c·s_w + b)), each hq × wq. Output (oy, ox) under tap (i, j) reads phase
// (i mod s_h, j mod s_w) at (oy + i/s_h, ox + j/s_w), so every tap adds w·(a shifted phase plane) to an
// oh × wq accumulator, whose columns past ow are discarded.
//
// Two slots of each: plane p + 1 is filled while plane p is filtered, and a filter's outputs are copied out
// while the next filter runs. A vector load that spans several small stores still in flight cannot take
// their values from the store buffer and waits until they reach the cache; filling a plane or reading its
// accumulator right before use made every load of a 7×7 plane wait so.
typedef struct {
    prune_plane_window g;
    int64_t hq, wq, plane, block, span;  // span: oh·wq rounded up to whole blocks
    int64_t values;                      // floats of one slot of phase planes
    float *phases, *acc;                 // two slots each
    int64_t *taps;                       // where tap i·kw + j reads in the phase planes
} phased_buffers;

static void phased_close(phased_buffers *b) {
    free(b->phases);
    free(b->acc);
    free(b->taps);
}

// Allocates the phase planes (zeroed: the padding is never written after this) and the accumulator.
static int phased_open(phased_buffers *b, prune_plane_window g) {
    b->g = g;
    b->hq = (g.h + 2 * g.ph + g.sh - 1) / g.sh;
    b->wq = (g.wd + 2 * g.pw + g.sw - 1) / g.sw;
    b->plane = b->hq * b->wq;
    const int64_t outputs = g.oh * b->wq;
    b->block = outputs <= DEPTHWISE_BLOCK ? DEPTHWISE_BLOCK : outputs <= 2 * DEPTHWISE_BLOCK ? 2 * DEPTHWISE_BLOCK
                                                                                         : widest_block();
    b->span = (outputs + b->block - 1) / b->block * b->block;
    // Blocks past the last row read up to wq + kw + one block beyond the last phase plane.
    b->values = g.sh * g.sw * b->plane + b->wq + g.kw + b->block;
    b->phases = calloc((size_t)(2 * b->values), sizeof(float));
    b->acc = malloc((size_t)(2 * GROUP * b->span) * sizeof(float));
    b->taps = malloc((size_t)(g.kh * g.kw) * sizeof(int64_t));
    if (b->phases && b->acc && b->taps) {
        for (int64_t i = 0; i < g.kh; i++)
            for (int64_t j = 0; j < g.kw; j++)
                b->taps[i * g.kw + j] = ((i % g.sh) * g.sw + j % g.sw) * b->plane + (i / g.sh) * b->wq + j / g.sw;
        return 1;
    }
    phased_close(b);
    return 0;
}

// Writes the inside of plane x into slot `slot` of the phase planes (their padding stays zero).
__attribute__((always_inline)) static inline void phased_fill(const phased_buffers *b, const float *restrict x,
                                                              int64_t slot) {
    const prune_plane_window g = b->g;
    for (int64_t a = 0; a < g.sh; a++)
        for (int64_t c = 0; c < g.sw; c++) {
            float *q = b->phases + slot * b->values + (a * g.sw + c) * b->plane;
            int64_t c0, c1;  // the columns whose input ix = col·sw + c − pw falls inside the plane
            valid_range(c - g.pw, g.sw, g.wd, b->wq, &c0, &c1);
            for (int64_t r = 0; r < b->hq; r++) {
                const int64_t iy = r * g.sh + a - g.ph;
                if (iy < 0 || iy >= g.h) continue;
                const float *src = x + iy * g.wd + c - g.pw;
                float *restrict row = q + r * b->wq;
                if (g.sw == 1) copy_row(row + c0, src + c0, c1 - c0);
                else
                    for (int64_t col = c0; col < c1; col++) row[col] = src[col * g.sw];
            }
        }
}

// Blocks of `width` outputs of one filter over the phase planes `phases` into `acc`: each block starts at
// the bias and adds the taps in (i, j) order in registers.
__attribute__((always_inline)) static inline void
filter_blocks(const phased_buffers *b, const float *restrict phases, const float *restrict w, float bias,
              float *restrict acc, const int width) {
    const int64_t taps = b->g.kh * b->g.kw;
    for (int64_t k = 0; k < b->span; k += width) {
        float block[DEPTHWISE_WIDEST];
        for (int q = 0; q < width; q++) block[q] = bias;
        for (int64_t t = 0; t < taps; t++) {
            const float wv = w[t];
            const float *restrict src = phases + b->taps[t] + k;
            for (int q = 0; q < width; q++) block[q] += wv * src[q];
        }
        for (int q = 0; q < width; q++) acc[k + q] = block[q];
    }
}

// Accumulator slot `slot`: room for GROUP filters' outputs, `span` apart.
static inline float *acc_slot(const phased_buffers *b, int64_t slot) { return b->acc + slot * GROUP * b->span; }

// How many filters run together with `left` of the plane's still to run: 16 with AVX-512, else GROUP, else 1.
static inline int group_size(int64_t left) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (left >= DEPTHWISE_GROUP16 && prune_cpu_has_avx512()) return DEPTHWISE_GROUP16;
#endif
    return left >= GROUP ? GROUP : 1;
}

// GROUP consecutive filters (weights w, GROUP·kh·kw of them) over the phase planes into GROUP accumulators
// `span` apart, GROUP_WIDTH outputs at a time: the same sums, in the same order, as filter_blocks.
__attribute__((always_inline)) static inline void
group_blocks(const phased_buffers *b, const float *restrict phases, const float *restrict w,
             const float *restrict bias, float *restrict acc) {
    const int64_t taps = b->g.kh * b->g.kw;
    for (int64_t k = 0; k < b->span; k += GROUP_WIDTH) {
        float block[GROUP][GROUP_WIDTH];
        for (int f = 0; f < GROUP; f++)
            for (int q = 0; q < GROUP_WIDTH; q++) block[f][q] = bias ? bias[f] : 0.0f;
        for (int64_t t = 0; t < taps; t++) {
            const float *restrict src = phases + b->taps[t] + k;
            for (int f = 0; f < GROUP; f++) {
                const float wv = w[f * taps + t];
                for (int q = 0; q < GROUP_WIDTH; q++) block[f][q] += wv * src[q];
            }
        }
        for (int f = 0; f < GROUP; f++)
            for (int q = 0; q < GROUP_WIDTH; q++) acc[f * b->span + k + q] = block[f][q];
    }
}

// One filter over phase slot `in` into accumulator slot `out`.
__attribute__((always_inline)) static inline void
phased_filter(const phased_buffers *b, int64_t in, const float *restrict w, float bias, int64_t out) {
    const float *phases = b->phases + in * b->values;
    float *acc = acc_slot(b, out);
    if (b->block == DEPTHWISE_BLOCK) filter_blocks(b, phases, w, bias, acc, DEPTHWISE_BLOCK);
    else if (b->block == 2 * DEPTHWISE_BLOCK) filter_blocks(b, phases, w, bias, acc, 2 * DEPTHWISE_BLOCK);
    else filter_blocks(b, phases, w, bias, acc, DEPTHWISE_WIDEST);
}

// The `count` planes of accumulator slot `slot` into `count` consecutive output planes at y.
__attribute__((always_inline)) static inline void phased_store(const phased_buffers *b, int64_t slot, int count,
                                                               float *restrict y) {
    const int64_t out_plane = b->g.oh * b->g.ow;
    for (int f = 0; f < count; f++) {
        const float *acc = acc_slot(b, slot) + f * b->span;
        for (int64_t r = 0; r < b->g.oh; r++) copy_row(y + f * out_plane + r * b->g.ow, acc + r * b->wq, b->g.ow);
    }
}

// Planes [first, first + count) through the phase planes, in the two-slot pipeline described above: each plane's
// filters as many at a time as group_size says; the epilogue `e` (NULL for none) on the groups of sixteen, which
// must then be every group (see prune_depthwise_epilogue_f32).
__attribute__((always_inline)) static inline void
phased_planes(const phased_buffers *b, const float *restrict x, int64_t first, int64_t count, int64_t channels,
              int64_t multiplier, const float *restrict w, const float *restrict bias, const prune_epilogue *e,
              float *restrict y) {
    const prune_plane_window g = b->g;
    const int64_t kk = g.kh * g.kw, in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    float *pending = NULL;  // where the last filters' outputs go, once the next ones have run
    int pending_count = 0;
    int64_t job = 0;
    if (count > 0) phased_fill(b, x + first * in_plane, 0);
    for (int64_t p = first; p < first + count; p++) {
        const int64_t slot = (p - first) & 1;
        if (p + 1 < first + count) phased_fill(b, x + (p + 1) * in_plane, slot ^ 1);
        for (int64_t m = 0; m < multiplier;) {
            const int64_t filter = (p % channels) * multiplier + m;
            const int n = group_size(multiplier - m);
            float *out = y + (p * multiplier + m) * out_plane;
            m += n;
            if (n == DEPTHWISE_GROUP16) {  // straight into the planes: no accumulator slot, no pending store
                prune_epilogue here = e ? *e : (prune_epilogue){ 0 };
                here.channel0 = filter;
                here.origin = out - y;
                prune_depthwise_group16(b->phases + slot * b->values, b->taps, kk, b->wq, g.oh, g.ow,
                                        w + filter * kk, bias ? bias + filter : NULL, e ? &here : NULL, out,
                                        out_plane);
                continue;
            }
            if (n == GROUP)
                group_blocks(b, b->phases + slot * b->values, w + filter * kk, bias ? bias + filter : NULL,
                             acc_slot(b, job & 1));
            else phased_filter(b, slot, w + filter * kk, bias ? bias[filter] : 0.0f, job & 1);
            if (pending) phased_store(b, (job - 1) & 1, pending_count, pending);
            pending = out;
            pending_count = n;
            job++;
        }
    }
    if (pending) phased_store(b, (job - 1) & 1, pending_count, pending);
}

// Whether window g has dilation 1 and as many outputs as its windows fit in the padded plane (the phase planes
// and the lanes path need both).
static inline int covers_whole_windows(prune_plane_window g) {
    return g.dh == 1 && g.dw == 1 && g.oh == (g.h + 2 * g.ph - g.kh) / g.sh + 1 &&
           g.ow == (g.wd + 2 * g.pw - g.kw) / g.sw + 1;
}

// Any geometry (dilation too): each tap adds w·x over the outputs whose input is inside the plane.
__attribute__((always_inline)) static inline void
direct_filter(const float *restrict x, prune_plane_window g, const float *restrict w, float bias, float *restrict y) {
    for (int64_t i = 0; i < g.oh * g.ow; i++) y[i] = bias;
    for (int64_t i = 0; i < g.kh; i++) {
        int64_t ylo, yhi;
        valid_range(i * g.dh - g.ph, g.sh, g.h, g.oh, &ylo, &yhi);
        for (int64_t j = 0; j < g.kw; j++) {
            const float wv = w[i * g.kw + j];
            const int64_t dx = j * g.dw - g.pw;
            int64_t xlo, xhi;
            valid_range(dx, g.sw, g.wd, g.ow, &xlo, &xhi);
            for (int64_t oy = ylo; oy < yhi; oy++) {
                const float *src = x + (oy * g.sh + i * g.dh - g.ph) * g.wd + dx;
                float *dst = y + oy * g.ow;
                if (g.sw == 1) {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox];
                } else {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox * g.sw];
                }
            }
        }
    }
}

PRUNE_CLONES
void prune_depthwise_f32(const float *restrict x, int64_t first, int64_t count, int64_t channels,
                         int64_t multiplier, const float *restrict w, const float *restrict bias, prune_plane_window g,
                         float *restrict y) {
    const int64_t kk = g.kh * g.kw, in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    const int whole_windows = covers_whole_windows(g);
    // Small planes in groups of 16 with the channels in vector lanes; the rest through the phase planes
    // (opened only when planes remain), or directly.
    const int64_t done = whole_windows && multiplier == 1
        ? prune_depthwise_lanes(x, first, count, channels, w, bias, g, y) : 0;
    first += done;
    count -= done;
    phased_buffers b;
    if (count > 0 && whole_windows && phased_open(&b, g)) {
        phased_planes(&b, x, first, count, channels, multiplier, w, bias, NULL, y);
        phased_close(&b);
        return;
    }
    for (int64_t p = first; p < first + count; p++) {
        for (int64_t m = 0; m < multiplier; m++) {
            const int64_t filter = (p % channels) * multiplier + m;
            direct_filter(x + p * in_plane, g, w + filter * kk, bias ? bias[filter] : 0.0f,
                          y + (p * multiplier + m) * out_plane);
        }
    }
}

PRUNE_CLONES
int prune_depthwise_epilogue_f32(const float *restrict x, int64_t first, int64_t count, int64_t channels,
                                 int64_t multiplier, const float *restrict w, const float *restrict bias,
                                 prune_plane_window g, const prune_epilogue *epilogue, float *restrict y) {
    const int whole_windows = covers_whole_windows(g);
    if (!epilogue || !whole_windows || multiplier % DEPTHWISE_GROUP16 != 0) return 0;
    if (group_size(multiplier) != DEPTHWISE_GROUP16) return 0;  // no AVX-512
    phased_buffers b;
    if (!phased_open(&b, g)) return 0;
    phased_planes(&b, x, first, count, channels, multiplier, w, bias, epilogue, y);
    phased_close(&b);
    return 1;
}
