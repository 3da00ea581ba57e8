// A pooling plane copied once into a buffer with a border as wide as every window needs (−∞ for max,
// 0 for average), for the pooling kernels' whole-plane loops (avgpool.c, maxpool.c).
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
#endif
