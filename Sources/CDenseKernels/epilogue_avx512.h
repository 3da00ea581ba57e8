// An epilogue's steps (prune_epilogue) on rows of C in AVX-512 registers, for the tiles of sgemm_avx512.c and
// the blocks of sixteen depthwise filters (depthwise_group16_avx512.c). Include after <immintrin.h> inside an
// x86-64 block that defines AVX512 and UNROLL.
#ifndef PRUNE_EPILOGUE_AVX512_H
#define PRUNE_EPILOGUE_AVX512_H

/// Where a tile sits for its epilogue: `e` (NULL for none), the tile's first row in the call's C and the
/// offset of its first element from C's.
typedef struct { const prune_epilogue *e; long row, offset; } TileEpilogue;

/// x + v for an Add step, x·v for a Multiply step.
static inline __attribute__((always_inline)) AVX512 __m512 combined(int32_t kind, __m512 x, __m512 v) {
    return kind == PRUNE_EPILOGUE_ADD ? _mm512_add_ps(x, v) : _mm512_mul_ps(x, v);
}

/// One step on a tile's rows in registers (x[r] for 16 columns from `offset` of row r, lanes `mask`); the
/// switch outside the rows, so each case is one unrolled run of vector operations.
static inline __attribute__((always_inline)) AVX512 void
epilogue_step(const int mr, const prune_epilogue_step *st, const prune_epilogue *e, long row, long offset, long ldc,
              __m512 *x, __mmask16 mask) {
    const __m512 zero = _mm512_setzero_ps();
    const float *per_row = st->kind == PRUNE_EPILOGUE_MULTIPLY ? st->scale : st->shift;
    const long ch = e->channel0 + row, step = st->step;
    const float *other = st->operand ? st->operand + e->origin + offset : NULL;
    switch (st->kind) {
    case PRUNE_EPILOGUE_RELU:
        UNROLL for (int r = 0; r < mr; r++)
            x[r] = _mm512_mask_mov_ps(x[r], _mm512_cmp_ps_mask(x[r], zero, _CMP_LE_OQ), zero);
        break;
    case PRUNE_EPILOGUE_LEAKY_RELU:
        UNROLL for (int r = 0; r < mr; r++)
            x[r] = _mm512_mask_mov_ps(_mm512_mul_ps(x[r], _mm512_set1_ps(st->slope)),
                                      _mm512_cmp_ps_mask(x[r], zero, _CMP_GT_OQ), x[r]);
        break;
    case PRUNE_EPILOGUE_AFFINE:
        UNROLL for (int r = 0; r < mr; r++)
            x[r] = _mm512_fmadd_ps(x[r], _mm512_set1_ps(st->scale[(ch + r) * step]),
                                   _mm512_set1_ps(st->shift[(ch + r) * step]));
        break;
    case PRUNE_EPILOGUE_ADD:
    case PRUNE_EPILOGUE_MULTIPLY:
        if (other) {
            UNROLL for (int r = 0; r < mr; r++)
                x[r] = combined(st->kind, x[r], _mm512_maskz_loadu_ps(mask, other + r * ldc));
        } else {
            UNROLL for (int r = 0; r < mr; r++)
                x[r] = combined(st->kind, x[r], _mm512_set1_ps(per_row[(ch + r) * step]));
        }
        break;
    default: break;
    }
}
#endif
