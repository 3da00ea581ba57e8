// Batch normalization in training (Ioffe & Szegedy, ICML 2015) as two fused passes per channel, forward
// and backward, instead of a chain of broadcast tensor operations (issue 18: a ResNet's BatchNorms were
// a third of its training time). x is [outer, channels, inner]; each call handles channels [c0, c1).
// Every sum is taken in 16 float lanes per contiguous run of `inner` values, the runs added in Double in
// order: the same inputs give the same bits.
#include "include/prune_dense_kernels.h"
#include "clones.h"
#include "lane_sums.h"
#include <math.h>

/// y[i] = a·x[i] + b·z[i] + c over n values (z may be NULL, then b is ignored).
PRUNE_CLONES
static void affine_pass(const float *restrict x, const float *restrict z, float a, float b, float c, int64_t n,
                        float *restrict y) {
    if (z)
        for (int64_t i = 0; i < n; i++) y[i] = a * x[i] + b * z[i] + c;
    else
        for (int64_t i = 0; i < n; i++) y[i] = a * x[i] + c;
}

void prune_batchnorm_forward_f32(const float *x, int64_t outer, int64_t channels, int64_t inner,
                                 const float *gamma, const float *beta, float epsilon, int64_t c0, int64_t c1,
                                 float *y, float *mean, float *variance, float *inv_std) {
    const double count = (double)(outer * inner);
    for (int64_t c = c0; c < c1; c++) {
        double sum = 0, squares = 0;
        for (int64_t o = 0; o < outer; o++) sum += prune_sum_f32(x + (o * channels + c) * inner, inner);
        const float mu = (float)(sum / count);
        for (int64_t o = 0; o < outer; o++) squares += lane_dot(x + (o * channels + c) * inner, 0, inner, mu);
        const float var = (float)(squares / count), inv = (float)(1 / sqrt((double)var + epsilon));
        const float scale = gamma[c] * inv, shift = beta[c] - mu * scale;
        for (int64_t o = 0; o < outer; o++) {
            const int64_t at = (o * channels + c) * inner;
            affine_pass(x + at, 0, scale, 0, shift, inner, y + at);
        }
        mean[c] = mu;
        variance[c] = var;
        inv_std[c] = inv;
    }
}

void prune_batchnorm_backward_f32(const float *dy, const float *x, int64_t outer, int64_t channels, int64_t inner,
                                  const float *mean, const float *inv_std, const float *gamma, int64_t c0,
                                  int64_t c1, float *dx, float *dgamma, float *dbeta) {
    const double count = (double)(outer * inner);
    for (int64_t c = c0; c < c1; c++) {
        double sum = 0, dot = 0;
        for (int64_t o = 0; o < outer; o++) {
            const int64_t at = (o * channels + c) * inner;
            sum += prune_sum_f32(dy + at, inner);
            dot += lane_dot(x + at, dy + at, inner, mean[c]);
        }
        const double inv = inv_std[c], g = (double)gamma[c] * inv;
        const double dg = dot * inv;
        dgamma[c] = (float)dg;
        dbeta[c] = (float)sum;
        if (!dx) continue;
        // dx = g·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) with x̂ = (x − μ)·inv, as a·dy + b·x + c.
        const double b = -g * inv * dg / count;
        const double shift = -g * sum / count - b * mean[c];
        for (int64_t o = 0; o < outer; o++) {
            const int64_t at = (o * channels + c) * inner;
            affine_pass(dy + at, x + at, (float)g, (float)b, (float)shift, inner, dx + at);
        }
    }
}
