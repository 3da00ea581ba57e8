// A row split by stride phase, for the pooling kernels: a strided window tap then reads one phase
// contiguously (a loop that vectorizes) instead of every sw-th value of the row.
#ifndef PRUNE_ROW_PHASES_H
#define PRUNE_ROW_PHASES_H
#include <stdint.h>

/// Phase k of the w-wide `row` (k < s) goes to phases + k·len: row[k], row[k + s], … (len ≥ ⌈w / s⌉).
__attribute__((always_inline)) static inline void
row_phases(const float *restrict row, int64_t w, int64_t s, float *restrict phases, int64_t len) {
    if (s == 2) {
        float *restrict even = phases, *restrict odd = phases + len;
        for (int64_t x = 0; x < w / 2; x++) {
            even[x] = row[2 * x];
            odd[x] = row[2 * x + 1];
        }
        if (w & 1) even[w / 2] = row[w - 1];
        return;
    }
    for (int64_t k = 0; k < s; k++)
        for (int64_t x = 0; k + x * s < w; x++) phases[k * len + x] = row[k + x * s];
}

/// Where row[x·s + off] sits in the phases: phases + phase_start(off, s, len) + x.
__attribute__((always_inline)) static inline int64_t phase_start(int64_t off, int64_t s, int64_t len) {
    const int64_t k = ((off % s) + s) % s;
    return k * len + (off - k) / s;
}
#endif
