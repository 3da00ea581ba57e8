// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include <string.h>

#include "clones.h"

// One plane at a time, so the zeros and the gradients land in a plane that stays in cache (the whole
// batch's zero fill first was a pass of its own over memory).
PRUNE_CLONES
void prune_maxpool_backward_f32(const float *restrict g, const int32_t *restrict arg, int64_t outputs,
                                int64_t plane, float *restrict dx) {
    memset(dx, 0, (size_t)plane * sizeof(float));
    for (int64_t j = 0; j < outputs; j++) dx[arg[j]] += g[j];
}
