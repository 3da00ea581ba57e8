// A matrix transpose for row-major floats: 16×16 blocks turned in AVX-512 registers where the CPU has
// them (transpose16.h, the same blocks sgemm's packing uses), 8×8 blocks in AVX2 registers where it has
// those (transpose8.h; on an AVX2-only CPU the blocked loop took 342 µs for a 64 × 3,072 batch on one core,
// the 8×8 blocks 61–75 µs), a cache-blocked loop otherwise.
//
// The blocked loop reads 16 rows of the source per block; with a row length of a multiple of 1,024
// floats those rows fall in one set of the L1 cache, and the loop ran at ~0.5 ns per element (100 µs
// for the 64 × 3,072 batch the sparse kernels transpose), more than a 90%-sparse product of it.
#include "include/prune_dense_kernels.h"

static void transpose_blocked(const float *src, int64_t rows, int64_t cols, int64_t ld_src, float *dst,
                              int64_t ld_dst) {
    enum { T = 16 };
    for (int64_t i0 = 0; i0 < rows; i0 += T) {
        const int64_t i1 = i0 + T < rows ? i0 + T : rows;
        for (int64_t j0 = 0; j0 < cols; j0 += T) {
            const int64_t j1 = j0 + T < cols ? j0 + T : cols;
            for (int64_t j = j0; j < j1; j++)
                for (int64_t i = i0; i < i1; i++) dst[j * ld_dst + i] = src[i * ld_src + j];
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#include "transpose16.h"
#include "cpu_features.h"

static AVX512 void transpose_avx512(const float *src, int64_t rows, int64_t cols, int64_t ld_src, float *dst,
                                    int64_t ld_dst) {
    const int64_t whole = cols / 16 * 16;
    for (int64_t i0 = 0; i0 < rows; i0 += 16) {
        const int r = (int)(rows - i0 < 16 ? rows - i0 : 16);
        const __mmask16 mask = (__mmask16)(r == 16 ? 0xFFFF : (1u << r) - 1);
        for (int64_t j0 = 0; j0 < whole; j0 += 16)
            transpose16(src + i0 * ld_src + j0, ld_src, r, dst + j0 * ld_dst + i0, ld_dst, mask);
    }
    if (whole < cols) transpose_blocked(src + whole, rows, cols - whole, ld_src, dst + whole * ld_dst, ld_dst);
}

#define AVX2 __attribute__((target("avx2")))
#include "transpose8.h"

// 8×8 blocks turned in AVX2 registers (transpose8.h), partial blocks at the edges read and written masked.
static AVX2 void transpose_avx2(const float *src, int64_t rows, int64_t cols, int64_t ld_src, float *dst,
                                int64_t ld_dst) {
    for (int64_t i0 = 0; i0 < rows; i0 += 8) {
        const int r = (int)(rows - i0 < 8 ? rows - i0 : 8);
        for (int64_t j0 = 0; j0 < cols; j0 += 8) {
            const int c = (int)(cols - j0 < 8 ? cols - j0 : 8);
            transpose8_some(src + i0 * ld_src + j0, (long)ld_src, r, c, dst + j0 * ld_dst + i0, (long)ld_dst, r, c);
        }
    }
}
#endif

void prune_transpose_f32(const float *src, int64_t rows, int64_t cols, int64_t ld_src, float *dst, int64_t ld_dst) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (prune_cpu_has_avx512()) {
        transpose_avx512(src, rows, cols, ld_src, dst, ld_dst);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        transpose_avx2(src, rows, cols, ld_src, dst, ld_dst);
        return;
    }
#endif
    transpose_blocked(src, rows, cols, ld_src, dst, ld_dst);
}
