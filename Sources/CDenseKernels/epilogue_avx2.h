// An epilogue's steps (prune_epilogue) on rows of C in AVX2 registers, for the tiles of sgemm_avx2.c and the
// blocks of epilogue_rows.c. Include after <immintrin.h> inside an x86-64 block that defines AVX2 and UNROLL.
#ifndef PRUNE_EPILOGUE_AVX2_H
#define PRUNE_EPILOGUE_AVX2_H

/// Where a tile sits for its epilogue: `e` (NULL for none), the tile's first row in the call's C and the
/// offset of its first element from C's; `fused_affine`: whether an affine step fuses its multiply-add (see
/// `affine`), asked of the CPU once per block.
typedef struct { const prune_epilogue *e; long row, offset; int fused_affine; } TileEpilogue;

/// x + v for an Add step, x·v for a Multiply step.
static inline __attribute__((always_inline)) AVX2 __m256 combined(int32_t kind, __m256 x, __m256 v) {
    return kind == PRUNE_EPILOGUE_ADD ? _mm256_add_ps(x, v) : _mm256_mul_ps(x, v);
}

/// x·scale + shift as prune_affine_inplace_f32 computes it on this CPU: its AVX-512 build fuses the two
/// (one rounding), its AVX2 build does not (two).
static inline __attribute__((always_inline)) AVX2 __m256 affine(__m256 x, float scale, float shift, int fused) {
    const __m256 s = _mm256_set1_ps(scale), t = _mm256_set1_ps(shift);
    return fused ? _mm256_fmadd_ps(x, s, t) : _mm256_add_ps(_mm256_mul_ps(x, s), t);
}

/// One step on a tile's rows in registers (x[r] for 8 columns from `offset` of row r, lanes `mask`), the
/// same operation as the step's own kernel; the switch outside the rows.
static inline __attribute__((always_inline)) AVX2 void
epilogue_step(const int mr, const prune_epilogue_step *st, const TileEpilogue *te, long offset, long ldc, __m256 *x,
              __m256i mask) {
    const prune_epilogue *e = te->e;
    const long row = te->row;
    const __m256 zero = _mm256_setzero_ps();
    const float *per_row = st->kind == PRUNE_EPILOGUE_MULTIPLY ? st->scale : st->shift;
    const long ch = e->channel0 + row, step = st->step;
    const float *other = st->operand ? st->operand + e->origin + offset : NULL;
    switch (st->kind) {
    case PRUNE_EPILOGUE_RELU:
        UNROLL for (int r = 0; r < mr; r++) x[r] = _mm256_blendv_ps(x[r], zero, _mm256_cmp_ps(x[r], zero, _CMP_LE_OQ));
        break;
    case PRUNE_EPILOGUE_LEAKY_RELU:
        UNROLL for (int r = 0; r < mr; r++)
            x[r] = _mm256_blendv_ps(_mm256_mul_ps(x[r], _mm256_set1_ps(st->slope)), x[r],
                                    _mm256_cmp_ps(x[r], zero, _CMP_GT_OQ));
        break;
    case PRUNE_EPILOGUE_AFFINE:
        UNROLL for (int r = 0; r < mr; r++)
            x[r] = affine(x[r], st->scale[(ch + r) * step], st->shift[(ch + r) * step], te->fused_affine);
        break;
    case PRUNE_EPILOGUE_ADD:
    case PRUNE_EPILOGUE_MULTIPLY:
        if (other) {
            UNROLL for (int r = 0; r < mr; r++)
                x[r] = combined(st->kind, x[r], _mm256_maskload_ps(other + r * ldc, mask));
        } else {
            UNROLL for (int r = 0; r < mr; r++)
                x[r] = combined(st->kind, x[r], _mm256_set1_ps(per_row[(ch + r) * step]));
        }
        break;
    default: break;
    }
}

#endif
