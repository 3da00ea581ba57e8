// The sgemm's B panels of a convolution's patch matrix, read straight from the image (see patch_panels.h),
// with AVX-512F (patch_panels_avx2.c has the AVX2 rows; patch_plan.h what they share).
// A panel's 32 columns are output positions: runs of consecutive positions within one output row, each
// read from one input row. For each patch row (channel, tap) a run is one or two masked vector loads
// (stride 1), or loads and a permute of the even values (stride 2); masked lanes read nothing, so the
// padding needs no bounds checks. Other strides are read value by value.
#include "patch_plan.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/// The bits of x OR y (AVX-512F has no float OR).
static inline AVX512 __m512 joined(__m512 x, __m512 y) {
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_castps_si512(y)));
}

/// Patch row (tap i, j) of a panel at stride 1 from the plane `plane`.
static inline AVX512 void unit_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    __m512 v0 = _mm512_setzero_ps(), v1 = _mm512_setzero_ps();
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        const uint32_t m = pl->lanes[j][r];
        // Zero-masked loads (a merging load would wait for the previous run's) joined by OR: the runs'
        // lanes are disjoint and every other lane is zero.
        v0 = joined(v0, _mm512_maskz_loadu_ps((__mmask16)m, src));
        v1 = joined(v1, _mm512_maskz_loadu_ps((__mmask16)(m >> 16), src + 16));
    }
    _mm512_store_ps(out, v0);
    _mm512_store_ps(out + 16, v1);
}

/// Patch row (tap i, j) of a panel at stride 2: the even values of each run's 32-value windows.
static inline AVX512 void even_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    __m512 v[2] = { _mm512_setzero_ps(), _mm512_setzero_ps() };
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        for (int half = 0; half < 2; half++) {
            const __mmask16 keep = (__mmask16)(pl->lanes[j][r] >> (16 * half));
            if (!keep) continue;
            const uint32_t readable = pl->readable[j][r][half];
            __m512 lo = _mm512_maskz_loadu_ps((__mmask16)readable, src + 32 * half);
            __m512 hi = _mm512_maskz_loadu_ps((__mmask16)(readable >> 16), src + 32 * half + 16);
            v[half] = _mm512_mask_mov_ps(v[half], keep, _mm512_permutex2var_ps(lo, evens, hi));
        }
    }
    _mm512_store_ps(out, v[0]);
    _mm512_store_ps(out + 16, v[1]);
}

AVX512 void prune_pack_patch_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc,
                                    int64_t q0, int64_t nc, float *dst) {
    if (prune_shifted_panels_apply(g)) {
        prune_pack_shifted_panels(x, g, p0, kc, q0, nc, dst);
        return;
    }
    pack_panels(x, g, p0, kc, q0, nc, dst, unit_row, even_row);
}
#endif
