// Sixteen filters of one input plane over blocks of 16 outputs of a row (depthwise_group16.h, issue 18). Each
// input vector loaded at a tap feeds sixteen sums, each filter's weight broadcast from memory into its
// multiply-add, and the sums go straight to their output planes (masked at a row's end). depthwise.c's groups of
// four filters ran a 1-channel 3×3 layer of 16 filters at ~39 GFLOP/s on one core: four chains of multiply-adds,
// their sums stored to an accumulator of the phase planes' wider rows, then copied row by row into the planes.
// A fused epilogue (BatchNorm, ReLU after a first layer) runs on the sums in registers before they are stored,
// the same steps as the sgemm's tiles (epilogue_avx512.h).
#include "depthwise_group16.h"
#include <math.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define UNROLL _Pragma("GCC unroll 16")
#include "epilogue_avx512.h"

AVX512 void prune_depthwise_group16(const float *phases, const int64_t *taps, int64_t count, int64_t wq, int64_t oh,
                                    int64_t ow, const float *w, const float *bias, const prune_epilogue *e, float *y,
                                    int64_t plane) {
    for (int64_t r = 0; r < oh; r++)
        for (int64_t c = 0; c < ow; c += 16) {
            const __mmask16 keep = (__mmask16)(ow - c >= 16 ? 0xFFFF : (1u << (ow - c)) - 1);
            const float *src = phases + r * wq + c;
            __m512 sum[DEPTHWISE_GROUP16];
            for (int f = 0; f < DEPTHWISE_GROUP16; f++) sum[f] = _mm512_set1_ps(bias ? bias[f] : 0.0f);
            for (int64_t t = 0; t < count; t++) {
                const __m512 x = _mm512_loadu_ps(src + taps[t]);
                for (int f = 0; f < DEPTHWISE_GROUP16; f++)
                    sum[f] = _mm512_fmadd_ps(_mm512_set1_ps(w[f * count + t]), x, sum[f]);
            }
            if (e)
                for (int32_t st = 0; st < e->count; st++)
                    epilogue_step(DEPTHWISE_GROUP16, &e->steps[st], e, 0, r * ow + c, plane, sum, keep);
            for (int f = 0; f < DEPTHWISE_GROUP16; f++) _mm512_mask_storeu_ps(y + f * plane + r * ow + c, keep, sum[f]);
        }
}
#else
// Not called without AVX-512 (depthwise.c asks the CPU); the same sums for completeness.
void prune_depthwise_group16(const float *phases, const int64_t *taps, int64_t count, int64_t wq, int64_t oh,
                             int64_t ow, const float *w, const float *bias, const prune_epilogue *e, float *y,
                             int64_t plane) {
    (void)e;
    for (int f = 0; f < DEPTHWISE_GROUP16; f++)
        for (int64_t q = 0; q < oh * ow; q++) {
            float sum = bias ? bias[f] : 0.0f;
            for (int64_t t = 0; t < count; t++)
                sum = fmaf(w[f * count + t], phases[taps[t] + q / ow * wq + q % ow], sum);
            y[f * plane + q] = sum;
        }
}
#endif
