// The values of a row at stride 2 in AVX2 lanes, for pool_stride2_avx2.c and conv_rows.c.
#ifndef PRUNE_STRIDE2_LANES_H
#define PRUNE_STRIDE2_LANES_H
#include <immintrin.h>

/// p[0], p[2], …, p[14] when `odd` is 0, else p[1], p[3], …, p[15], in the order of lanes `shuffle_ps` leaves
/// them (the values of outputs 0, 1, 4, 5, 2, 3, 6, 7 of the block); in_order puts them back.
__attribute__((target("avx2,fma"))) static inline __m256 every_other(const float *p, int odd) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    return odd ? _mm256_shuffle_ps(a, b, 0xDD) : _mm256_shuffle_ps(a, b, 0x88);
}

/// A block's 8 values from every_other's lane order back in output order.
__attribute__((target("avx2,fma"))) static inline __m256 in_order(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}
#endif
