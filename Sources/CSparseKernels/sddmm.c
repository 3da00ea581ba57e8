#include "prune_sparse_kernels.h"

void prune_csr_sddmm_rows(const int32_t *row_start, const int32_t *col_index, const float *at, const float *bt,
                          int64_t bp, int64_t row_lo, int64_t row_hi, float *out) {
    for (int64_t r = row_lo; r < row_hi; r++) {
        const float *a = at + r * bp;
        for (int32_t k = row_start[r]; k < row_start[r + 1]; k++) {
            const float *b = bt + (int64_t)col_index[k] * bp;
            float s[16] = {0};
            for (int64_t i = 0; i < bp; i += 16)
                for (int j = 0; j < 16; j++) s[j] += a[i + j] * b[i + j];
            float t = 0;
            for (int j = 0; j < 16; j++) t += s[j];
            out[k] = t;
        }
    }
}
