// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include <math.h>

#include "clones.h"

// sqrtf without errno (llvm.sqrt), so that the loop vectorizes; libm's otherwise.
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define ROOT(x) __builtin_elementwise_sqrt(x)
#else
#define ROOT(x) sqrtf(x)
#endif

// The window's squares are added into y in channel order (a loop over the plane that vectorizes), then
// each y[p] becomes x[p] / (bias + scale·y[p])^beta; β = 3/4 (AlexNet's and GoogLeNet's) as
// √d·√√d, which vectorizes where powf does not.
PRUNE_CLONES
void prune_lrn_plane_f32(const float *restrict x, int64_t channels, int64_t inner, int64_t c, int64_t size,
                         float alpha, float beta, float bias, float *restrict y) {
    const int64_t below = (size - 1) / 2, above = size - 1 - below;
    const int64_t first = c - below < 0 ? 0 : c - below, last = c + above >= channels ? channels - 1 : c + above;
    for (int64_t p = 0; p < inner; p++) y[p] = 0;
    for (int64_t k = first; k <= last; k++) {
        const float *restrict plane = x + k * inner;
        for (int64_t p = 0; p < inner; p++) y[p] += plane[p] * plane[p];
    }
    const float scale = alpha / (float)size;
    const float *restrict own = x + c * inner;
    if (beta == 0.75f) {
        for (int64_t p = 0; p < inner; p++) {
            const float d = y[p] * scale + bias, root = ROOT(d);
            y[p] = own[p] / (root * ROOT(root));
        }
        return;
    }
    for (int64_t p = 0; p < inner; p++) y[p] = own[p] / powf(y[p] * scale + bias, beta);
}
