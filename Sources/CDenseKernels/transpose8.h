// An 8×8 transpose in AVX2 registers, for the packing of sgemm_avx2.c and the lanes of
// depthwise_lanes_avx2.c and pool_lanes.c. Include after <immintrin.h> inside an x86-64 block that defines AVX2.
#ifndef PRUNE_TRANSPOSE8_H
#define PRUNE_TRANSPOSE8_H

/// The mask of the first `count` of 8 lanes (none when count ≤ 0, all when count ≥ 8).
static inline __attribute__((always_inline)) AVX2 __m256i first_lanes(long count) {
    const int n = (int)(count < 0 ? 0 : count > 8 ? 8 : count);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Stores the first `width` values of x at dst (all 8 when width ≥ 8, none when it is 0): 4, 2 and 1 at a
/// time, not with a masked store (VMASKMOVPS stores are slow on AMD's Zen 2: a 1×1 layer of 32 channels into
/// 32 filters over 7×7, 64 images, one core, its sgemm tiles' last column 106.8 → 96.6 µs).
static inline __attribute__((always_inline)) AVX2 void store_first(float *dst, __m256 x, long width) {
    if (width >= 8) {
        _mm256_storeu_ps(dst, x);
        return;
    }
    __m128 part = _mm256_castps256_ps128(x);
    if (width >= 4) {
        _mm_storeu_ps(dst, part);
        dst += 4;
        width -= 4;
        part = _mm256_extractf128_ps(x, 1);
    }
    if (width >= 2) {
        _mm_storel_pi((__m64 *)dst, part);
        dst += 2;
        width -= 2;
        part = _mm_movehl_ps(part, part);
    }
    if (width >= 1) _mm_store_ss(dst, part);
}

/// dst[c·ldd + r] = src[r·ld + c] for 8 columns c and rows r < 8 (0 for rows at or past `rows` and for
/// columns at or past `columns`, which are not read), writing the first `width` values of the first `outputs`
/// output rows: pairs, then quads within 128-bit halves, then halves.
static inline __attribute__((always_inline)) AVX2 void
transpose8_some(const float *src, long ld, int rows, int columns, float *dst, long ldd, int width, int outputs) {
    __m256 r[8], t[8], u[8];
    const __m256i readable = first_lanes(columns);
    for (int i = 0; i < 8; i++)
        r[i] = i >= rows ? _mm256_setzero_ps()
             : columns >= 8 ? _mm256_loadu_ps(src + i * ld) : _mm256_maskload_ps(src + i * ld, readable);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        if (c < outputs) store_first(dst + c * ldd, _mm256_permute2f128_ps(u[c], u[4 + c], 0x20), width);
        if (c + 4 < outputs) store_first(dst + (c + 4) * ldd, _mm256_permute2f128_ps(u[c], u[4 + c], 0x31), width);
    }
}

/// transpose8_some writing all 8 output rows.
static inline __attribute__((always_inline)) AVX2 void
transpose8_columns(const float *src, long ld, int rows, int columns, float *dst, long ldd, int width) {
    transpose8_some(src, ld, rows, columns, dst, ldd, width, 8);
}

/// transpose8_columns reading all 8 columns.
static inline __attribute__((always_inline)) AVX2 void transpose8(const float *src, long ld, int rows, float *dst,
                                                                  long ldd, int width) {
    transpose8_columns(src, ld, rows, 8, dst, ldd, width);
}

/// The 8 planes at x (h×wd values each, `plane` apart) into a buffer of 8-lane positions, wp a row: the planes'
/// row r at the buffer's row r + ph, column c at column c + pw, 8 columns per transpose. Only the planes'
/// positions are written: a border keeps what it holds.
static inline __attribute__((always_inline)) AVX2 void
planes_into_lanes8(const float *x, long h, long wd, long plane, float *t, long wp, long ph, long pw) {
    for (long r = 0; r < h; r++)
        for (long c0 = 0; c0 < wd; c0 += 8) {
            const int n = (int)(wd - c0 < 8 ? wd - c0 : 8);
            transpose8_some(x + r * wd + c0, plane, 8, n, t + ((r + ph) * wp + pw + c0) * 8, 8, 8, n);
        }
}
#endif
