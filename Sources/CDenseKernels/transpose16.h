// A 16×16 transpose in AVX-512 registers, shared by the packing of sgemm.c and prune_transpose_f32
// (transpose.c). Include after <immintrin.h> inside an x86-64 block that defines AVX512.
#ifndef PRUNE_TRANSPOSE16_H
#define PRUNE_TRANSPOSE16_H

static inline __attribute__((always_inline)) AVX512 __m512 low_pairs(__m512 x, __m512 y) {
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)));
}

static inline __attribute__((always_inline)) AVX512 __m512 high_pairs(__m512 x, __m512 y) {
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)));
}

/// Writes the output rows c, c + 4, c + 8, c + 12 of a 16×16 transpose from u0, u4, u8, u12, which hold
/// in 128-bit lane l column c + 4·l of input rows 0–3, 4–7, 8–11 and 12–15.
static inline __attribute__((always_inline)) AVX512 void
store_lanes(__m512 u0, __m512 u4, __m512 u8, __m512 u12, float *dst, long ldd, __mmask16 mask) {
    __m512 v0 = _mm512_shuffle_f32x4(u0, u4, 0x88), v1 = _mm512_shuffle_f32x4(u0, u4, 0xdd);
    __m512 v2 = _mm512_shuffle_f32x4(u8, u12, 0x88), v3 = _mm512_shuffle_f32x4(u8, u12, 0xdd);
    _mm512_mask_storeu_ps(dst, mask, _mm512_shuffle_f32x4(v0, v2, 0x88));
    _mm512_mask_storeu_ps(dst + 4 * ldd, mask, _mm512_shuffle_f32x4(v1, v3, 0x88));
    _mm512_mask_storeu_ps(dst + 8 * ldd, mask, _mm512_shuffle_f32x4(v0, v2, 0xdd));
    _mm512_mask_storeu_ps(dst + 12 * ldd, mask, _mm512_shuffle_f32x4(v1, v3, 0xdd));
}

/// dst[c·ldd + r] = src[r·ld + c] for 16 columns c and r < 16 (0 for rows past `rows`, and for the columns
/// outside `columns`, which are not read), writing the lanes in `mask` of each output row: pairs, then
/// quads within 128-bit lanes, then lanes.
static inline AVX512 void transpose16_columns(const float *src, long ld, int rows, __mmask16 columns, float *dst,
                                              long ldd, __mmask16 mask) {
    __m512 t[16], u[16];
    for (int r = 0; r < 16; r += 2) {
        __m512 x = r < rows ? _mm512_maskz_loadu_ps(columns, src + r * ld) : _mm512_setzero_ps();
        __m512 y = r + 1 < rows ? _mm512_maskz_loadu_ps(columns, src + (r + 1) * ld) : _mm512_setzero_ps();
        t[r] = _mm512_unpacklo_ps(x, y);
        t[r + 1] = _mm512_unpackhi_ps(x, y);
    }
    for (int q = 0; q < 16; q += 4) {
        u[q] = low_pairs(t[q], t[q + 2]);
        u[q + 1] = high_pairs(t[q], t[q + 2]);
        u[q + 2] = low_pairs(t[q + 1], t[q + 3]);
        u[q + 3] = high_pairs(t[q + 1], t[q + 3]);
    }
    for (int c = 0; c < 4; c++) store_lanes(u[c], u[4 + c], u[8 + c], u[12 + c], dst + c * ldd, ldd, mask);
}

/// transpose16_columns reading all 16 columns.
static inline AVX512 void transpose16(const float *src, long ld, int rows, float *dst, long ldd, __mmask16 mask) {
    transpose16_columns(src, ld, rows, 0xFFFF, dst, ldd, mask);
}

#endif
