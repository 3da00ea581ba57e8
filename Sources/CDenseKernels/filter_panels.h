// Filters laid out for kernels that read a few filters' values for each patch value at once (direct_conv.c's
// panels of 16, conv_rows.c's blocks of 6). Plain C: include anywhere.
#ifndef PRUNE_FILTER_PANELS_H
#define PRUNE_FILTER_PANELS_H

/// The filters w ([filters][k]) as panels of `width`: panel b at dst + b·width·k holds, for each of the k values,
/// filters b·width … b·width + width − 1 (zeros past the last filter).
static inline void pack_filter_panels(const float *w, long filters, long k, long width, float *dst) {
    for (long f0 = 0; f0 < filters; f0 += width) {
        float *panel = dst + f0 * k;
        const long rows = filters - f0 < width ? filters - f0 : width;
        for (long p = 0; p < k; p++) {
            for (long j = 0; j < rows; j++) panel[p * width + j] = w[(f0 + j) * k + p];
            for (long j = rows; j < width; j++) panel[p * width + j] = 0;
        }
    }
}

#endif
