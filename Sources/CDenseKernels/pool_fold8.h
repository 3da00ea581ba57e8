// One fold of a pooling window over 8 AVX2 lanes, for pool_stride2_avx2.c and pool_lanes.c. Include after
// <immintrin.h> inside an x86-64 block.
#ifndef PRUNE_POOL_FOLD8_H
#define PRUNE_POOL_FOLD8_H

/// All ones in the lanes where v wins over so_far (bordered_plane.h's `wins`: greater, or a NaN over a number;
/// NLE_UQ is "greater or unordered", ORD on so_far "so_far is a number").
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 wins8(__m256 v, __m256 so_far) {
    return _mm256_and_ps(_mm256_cmp_ps(v, so_far, _CMP_NLE_UQ), _mm256_cmp_ps(so_far, so_far, _CMP_ORD_Q));
}

/// `so_far` with `v` folded in: for max pooling where v wins (wins8), else added.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 fold8(__m256 so_far, __m256 v,
                                                                               const int is_max) {
    if (!is_max) return _mm256_add_ps(so_far, v);
    return _mm256_blendv_ps(so_far, v, wins8(v, so_far));
}
#endif
