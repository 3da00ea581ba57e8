// How both 2:4 kernel files (two_four.c for AVX-512, two_four_avx2.c for AVX2) read the packed layout: per row,
// `groups` groups of two values and a nibble of their two 2-bit indices, two nibbles to a byte, little-endian.
// Plain C: include anywhere.
#ifndef PRUNE_TWO_FOUR_H
#define PRUNE_TWO_FOUR_H
#include <stdint.h>

/// The nibble of group q (counted over the whole matrix): bits 0–1 the first value's index in the group, bits
/// 2–3 the second's.
static inline int nm24_pair(const uint8_t *idx, int64_t q) { return (idx[q >> 1] >> ((q & 1) * 4)) & 15; }

/// Row r's products with x over its groups [g_lo, groups), one value after another: the kernels' last groups.
static inline float nm24_tail(const float *vals, const uint8_t *idx, int64_t groups, int64_t r, int64_t g_lo,
                              const float *x) {
    float s = 0;
    for (int64_t g = g_lo; g < groups; g++) {
        const int64_t q = r * groups + g;
        const int pair = nm24_pair(idx, q);
        s += vals[2 * q] * x[4 * g + (pair & 3)];
        s += vals[2 * q + 1] * x[4 * g + (pair >> 2)];
    }
    return s;
}
#endif
