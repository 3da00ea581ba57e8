// The sgemm's B panels of a convolution's patch matrix, read straight from the image (see patch_panels.h),
// with AVX2: the rows of patch_panels.c in vectors of 8 lanes. AVX2's masked loads (vmaskmovps) read
// nothing in masked lanes either, so the padding needs no bounds checks here too.
#include "patch_plan.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/// The lanes of a vector of 8 whose bit is set in `bits` (the low 8 used), as a mask vector.
static inline AVX2 __m256i lane_bits(uint32_t bits) {
    const __m256i each = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)(bits & 0xFF)), each), each);
}

/// The bits of x OR y.
static inline AVX2 __m256 joined(__m256 x, __m256 y) { return _mm256_or_ps(x, y); }

/// Patch row (tap i, j) of a panel at stride 1 from the plane `plane`: per run, masked loads of its lanes
/// joined by OR (the runs' lanes are disjoint, every other lane is zero).
static inline AVX2 void unit_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    __m256 v[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        const uint32_t m = pl->lanes[j][r];
        for (int q = 0; q < 4; q++)
            if ((m >> (8 * q)) & 0xFF)
                v[q] = joined(v[q], _mm256_maskload_ps(src + 8 * q, lane_bits(m >> (8 * q))));
    }
    for (int q = 0; q < 4; q++) _mm256_store_ps(out + 8 * q, v[q]);
}

/// The even values of 16 at src whose bits are set in `readable` (16 bits), in order: lanes 0–7.
static inline AVX2 __m256 evens(const float *src, uint32_t readable) {
    const __m256 lo = _mm256_maskload_ps(src, lane_bits(readable));
    const __m256 hi = _mm256_maskload_ps(src + 8, lane_bits(readable >> 8));
    // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6, then its 64-bit pairs reordered 0, 2, 1, 3.
    const __m256 mixed = _mm256_shuffle_ps(lo, hi, 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
}

/// Patch row (tap i, j) of a panel at stride 2: the even values of each run's windows of 16.
static inline AVX2 void even_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    __m256 v[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        for (int q = 0; q < 4; q++) {
            const uint32_t keep = (pl->lanes[j][r] >> (8 * q)) & 0xFF;
            if (!keep) continue;
            const uint32_t readable = pl->readable[j][r][q / 2] >> (16 * (q % 2));
            v[q] = _mm256_blendv_ps(v[q], evens(src + 16 * q, readable), _mm256_castsi256_ps(lane_bits(keep)));
        }
    }
    for (int q = 0; q < 4; q++) _mm256_store_ps(out + 8 * q, v[q]);
}

AVX2 void prune_pack_patch_panels_avx2(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc,
                                       int64_t q0, int64_t nc, float *dst) {
    pack_panels(x, g, p0, kc, q0, nc, dst, unit_row, even_row);
}
#endif
