// An epilogue (prune_epilogue) on a block of an output in place, 8 values at a time with the tail masked, for the
// kernels that write their block before its epilogue runs (the direct convolution of direct_conv.c): the
// separate passes ran one call per channel row, each a loop of 32 values then its rest 4 at a time (a block of
// 92 positions of a 14×14 plane: two steps of 32, then seven of 4, per channel; ReLU took a tenth of a 3×3
// 32 → 32 layer's time on two cores). The same operations, bit for bit, as the sgemm's tiles apply
// (epilogue_avx2.h) and as the steps' own kernels.
#include "prune_dense_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define UNROLL _Pragma("GCC unroll 8")
#include "transpose8.h"
#include "epilogue_avx2.h"

/// One step of kind `kind` (a constant in each caller, so epilogue_step's switch folds away) on the values
/// [0, cols) of row r of the block, 8 at a time. The row's channel values (scale, shift) are read once into
/// locals the stores cannot alias, so the loop holds them in registers.
static inline __attribute__((always_inline)) AVX2 void
step_row(const int32_t kind, const prune_epilogue_step *st, const prune_epilogue *e, float *row, long r, long cols,
         long ldc, int fused) {
    const long index = (e->channel0 + r) * st->step;
    float scale = st->scale ? st->scale[index] : 0, shift = st->shift ? st->shift[index] : 0;
    prune_epilogue_step known = *st;
    known.kind = kind;
    known.scale = &scale;
    known.shift = &shift;
    known.step = 0;
    prune_epilogue at = { 0 };
    at.origin = e->origin;
    const TileEpilogue te = { &at, 0, r * ldc, fused };
    const __m256i all = _mm256_set1_epi32(-1);
    long j = 0;
    for (; j + 8 <= cols; j += 8) {
        __m256 x = _mm256_loadu_ps(row + j);
        epilogue_step(1, &known, &te, te.offset + j, ldc, &x, all);
        _mm256_storeu_ps(row + j, x);
    }
    if (j < cols) {
        const __m256i mask = first_lanes(cols - j);
        __m256 x = _mm256_maskload_ps(row + j, mask);
        epilogue_step(1, &known, &te, te.offset + j, ldc, &x, mask);
        _mm256_maskstore_ps(row + j, mask, x);
    }
}

/// Row r of the block: each step over the row in turn (a switch per value measured slower: a third of a
/// residual block's epilogue went to the jumps between its three steps).
static AVX2 void epilogue_row(const prune_epilogue *e, float *row, long r, long cols, long ldc, int fused) {
    for (int s = 0; s < e->count; s++) {
        const prune_epilogue_step *st = &e->steps[s];
        switch (st->kind) {
        case PRUNE_EPILOGUE_RELU: step_row(PRUNE_EPILOGUE_RELU, st, e, row, r, cols, ldc, fused); break;
        case PRUNE_EPILOGUE_LEAKY_RELU: step_row(PRUNE_EPILOGUE_LEAKY_RELU, st, e, row, r, cols, ldc, fused); break;
        case PRUNE_EPILOGUE_AFFINE: step_row(PRUNE_EPILOGUE_AFFINE, st, e, row, r, cols, ldc, fused); break;
        case PRUNE_EPILOGUE_ADD: step_row(PRUNE_EPILOGUE_ADD, st, e, row, r, cols, ldc, fused); break;
        case PRUNE_EPILOGUE_MULTIPLY: step_row(PRUNE_EPILOGUE_MULTIPLY, st, e, row, r, cols, ldc, fused); break;
        default: break;
        }
    }
}

int prune_epilogue_rows_f32(const prune_epilogue *e, float *c, int64_t rows, int64_t cols, int64_t ldc) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    const int fused = __builtin_cpu_supports("avx512f");
    for (long r = 0; r < rows; r++) epilogue_row(e, c + r * ldc, r, cols, ldc, fused);
    return 1;
}
#else
int prune_epilogue_rows_f32(const prune_epilogue *e, float *c, int64_t rows, int64_t cols, int64_t ldc) {
    (void)e; (void)c; (void)rows; (void)cols; (void)ldc;
    return 0;
}
#endif
