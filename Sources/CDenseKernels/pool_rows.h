// Which kernel rows of a max-pooling window lie inside the plane, and the row a window without any gives,
// for maxpool.c and pool_stride2_avx2.c.
#ifndef PRUNE_POOL_ROWS_H
#define PRUNE_POOL_ROWS_H
#include <math.h>
#include <stdint.h>

// The kernel rows i in [*lo, *hi) of output row y whose input row y·sh − ph + i·dh lies inside the plane's h
// rows (rows in the padding are skipped: −∞ never wins); an empty range gives the row −∞ (fill_lowest).
static inline void rows_inside(int64_t y, int64_t sh, int64_t ph, int64_t dh, int64_t kh, int64_t h, int64_t *lo,
                               int64_t *hi) {
    const int64_t top = y * sh - ph;
    const int64_t a = top >= 0 ? 0 : (-top + dh - 1) / dh, b = h - top <= 0 ? 0 : (h - top - 1) / dh + 1;
    *lo = a < kh ? a : kh;
    *hi = b < kh ? b : kh;
    if (*hi < *lo) *hi = *lo;
}

static inline void fill_lowest(float *restrict o, int64_t ow) {
    for (int64_t x = 0; x < ow; x++) o[x] = -INFINITY;
}
#endif
