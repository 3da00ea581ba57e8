// The tile both direct kernels share (direct_conv.c's convolution, weight_gradient.c's weight gradient): its
// extents (plain C: include anywhere).
#ifndef PRUNE_DIRECT_TILES_H
#define PRUNE_DIRECT_TILES_H

/// Positions broadcast and filter lanes of a tile: 6 × 16 in 12 AVX2 accumulators.
enum { TP = 6, TF = 16 };

#endif
