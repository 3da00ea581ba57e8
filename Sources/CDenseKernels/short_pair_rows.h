// Max pooling with windows two wide at stride 2 over planes of even width w = 2·ow with short rows (ow < 16:
// LeNet's 14- and 5-wide outputs, a small CNN's 7): a loop over one row's outputs is too short to vectorize,
// so the horizontal pairs of the whole plane are taken in one flat loop (a pair never straddles two rows
// when w is even), and the kernel rows are folded 8 outputs at a time into a scratch copy of the output
// whose rows are ow apart — a chunk spills into the next row's place, which that row then rewrites. The
// folds are the ones of the general kernels in the same order (across, then down in i order), so the
// values and winners are the same bits.
#ifndef PRUNE_SHORT_PAIR_ROWS_H
#define PRUNE_SHORT_PAIR_ROWS_H
#include <stdint.h>

#include "bordered_plane.h"

/// Rows of fewer outputs than this take the short-row kernels.
enum { SHORT_PAIR_ROW = 16, SHORT_PAIR_SLACK = 8 };

/// across[k] = the first maximum of the pair plane[2k], plane[2k + 1], for k < n; the SHORT_PAIR_SLACK
/// values after them are zeros (read by the last chunk, never kept).
__attribute__((always_inline)) static inline void
pairs_across(const float *restrict plane, int64_t n, float *restrict across) {
    for (int64_t k = 0; k < n; k++) {
        const float a = plane[2 * k], b = plane[2 * k + 1];
        across[k] = wins(b, a) ? b : a;
    }
    for (int64_t k = n; k < n + SHORT_PAIR_SLACK; k++) across[k] = 0;
}

/// The same with the winner's flat index in the plane (2k or 2k + 1) in at[k].
__attribute__((always_inline)) static inline void
pairs_across_at(const float *restrict plane, int64_t n, float *restrict across, int32_t *restrict at) {
    for (int64_t k = 0; k < n; k++) {
        const float a = plane[2 * k], b = plane[2 * k + 1];
        const int t = wins(b, a);
        across[k] = t ? b : a;
        at[k] = (int32_t)(2 * k) + t;
    }
    for (int64_t k = n; k < n + SHORT_PAIR_SLACK; k++) {
        across[k] = 0;
        at[k] = 0;
    }
}

/// One kernel row's maxima `line` folded into the output row `o`, 8 outputs at a time (copied when `first`).
__attribute__((always_inline)) static inline void
fold_chunks(float *restrict o, const float *restrict line, int64_t ow, int first) {
    for (int64_t x0 = 0; x0 < ow; x0 += SHORT_PAIR_SLACK) {
        float *restrict c = o + x0;
        const float *restrict v = line + x0;
        if (first)
            for (int j = 0; j < SHORT_PAIR_SLACK; j++) c[j] = v[j];
        else
            for (int j = 0; j < SHORT_PAIR_SLACK; j++) c[j] = wins(v[j], c[j]) ? v[j] : c[j];
    }
}

/// Output row `o` (winners' indices in `o_at`) from two kernel rows' maxima, 8 outputs at a time: the first
/// maximum of `top` and `bottom` (the top one on a tie), with its index.
__attribute__((always_inline)) static inline void
fold_down_at(float *restrict o, int32_t *restrict o_at, const float *restrict top, const int32_t *restrict top_at,
             const float *restrict bottom, const int32_t *restrict bottom_at, int64_t ow) {
    for (int64_t x0 = 0; x0 < ow; x0 += SHORT_PAIR_SLACK) {
        float *restrict c = o + x0;
        int32_t *restrict c_at = o_at + x0;
        const float *restrict a = top + x0, *restrict b = bottom + x0;
        const int32_t *restrict a_at = top_at + x0, *restrict b_at = bottom_at + x0;
        for (int j = 0; j < SHORT_PAIR_SLACK; j++) {
            const int32_t m = -(int32_t)wins(b[j], a[j]);  // all ones where the bottom row wins
            c[j] = m ? b[j] : a[j];
            c_at[j] = (b_at[j] & m) | (a_at[j] & ~m);
        }
    }
}
#endif
