// Per-feature sums of squares of a layer's inputs (Wanda's ‖X_j‖₂², issue 16): Double accumulators, one
// row after another, so every sum gets the same additions in the same order as a scalar loop; the
// conversion and the multiply-add vectorize across the columns.
#include "prune_dense_kernels.h"

#include "clones.h"

PRUNE_CLONES
void prune_add_squares_f64(const float *restrict x, int64_t rows, int64_t columns, int64_t stride,
                           double *restrict sums) {
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * stride;
        for (int64_t j = 0; j < columns; j++) {
            const double v = (double)row[j], square = v * v;  // two statements: never fused into an FMA
            sums[j] += square;
        }
    }
}
