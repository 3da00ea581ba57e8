// A pooling plane copied once into a buffer with a border as wide as every window needs (−∞ for max,
// 0 for average), and every window folded over it in whole-plane loops, for the pooling kernels
// (avgpool.c, maxpool.c); the extent of such a buffer also sizes the depthwise lanes' (depthwise_lanes.c).
#ifndef PRUNE_BORDERED_PLANE_H
#define PRUNE_BORDERED_PLANE_H
#include <stdint.h>

/// Planes (with their border) of up to this many values take the bordered path (two buffers on the stack).
enum { PADDED_MAX = 16384 };

/// The buffer's extent along one axis of n values: the plane with its leading pad, and every window's last
/// position.
__attribute__((always_inline)) static inline int64_t
bordered_extent(int64_t n, int64_t pad, int64_t outputs, int64_t stride, int64_t kernel, int64_t dilation) {
    const int64_t windows = (outputs - 1) * stride + (kernel - 1) * dilation + 1;
    return n + pad > windows ? n + pad : windows;
}

/// Fills the hp×wp buffer with `fill` and copies the h×w plane in at row ph, column pw.
__attribute__((always_inline)) static inline void
bordered_copy(const float *restrict plane, int64_t h, int64_t w, int64_t ph, int64_t pw, int64_t hp, int64_t wp,
              float fill, float *restrict padded) {
    for (int64_t q = 0; q < hp * wp; q++) padded[q] = fill;
    for (int64_t r = 0; r < h; r++) {
        float *restrict d = padded + (ph + r) * wp + pw;
        const float *restrict src = plane + r * w;
        for (int64_t x = 0; x < w; x++) d[x] = src[x];
    }
}

/// Whether v replaces the best so far in max pooling: larger, or a NaN over a number.
static inline int wins(float v, float best) { return (v > best) | ((v != v) & (best == best)); }

/// `so_far` with `tap` folded in: the maximum under `wins` when `is_max`, else the sum.
__attribute__((always_inline)) static inline float fold_tap(float so_far, float tap, int is_max) {
    return is_max ? (wins(tap, so_far) ? tap : so_far) : so_far + tap;
}

/// Every window of the bordered hp×wp buffer folded (max or sum): each position's fold over its kernel row
/// (taps in j order) in one flat loop over the whole buffer into `across` (positions past a row's useful
/// end are computed and never read), then the kernel rows folded in i order back into `padded`, output
/// row y at padded + y·wp (for stride 1 every output row in one loop). Output (y, x) is then at
/// padded[y·wp + x·sw].
__attribute__((always_inline)) static inline void
bordered_windows(float *restrict padded, float *restrict across, int64_t hp, int64_t wp, int64_t oh, int64_t ow,
                 int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw, int is_max) {
    const int64_t n = hp * wp - (kw - 1) * dw;
    for (int64_t q = 0; q < n; q++) across[q] = padded[q];
    for (int64_t j = 1; j < kw; j++) {
        const float *restrict tap = padded + j * dw;
        for (int64_t q = 0; q < n; q++) across[q] = fold_tap(across[q], tap[q], is_max);
    }
    const int64_t wc = (ow - 1) * sw + 1, rows = sh == 1 ? 1 : oh, m = sh == 1 ? (oh - 1) * wp + wc : wc;
    for (int64_t y = 0; y < rows; y++) {
        float *restrict v = padded + y * wp;
        const float *restrict top = across + y * sh * wp;
        for (int64_t q = 0; q < m; q++) v[q] = top[q];
        for (int64_t i = 1; i < kh; i++) {
            const float *restrict tap = top + i * dh * wp;
            for (int64_t q = 0; q < m; q++) v[q] = fold_tap(v[q], tap[q], is_max);
        }
    }
}
#endif
