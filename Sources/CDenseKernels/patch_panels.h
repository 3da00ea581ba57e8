// The B panels of a convolution's patch matrix, packed straight from the image (implicit GEMM): the
// sgemm (sgemm.c) multiplies the filters by them without an im2col matrix in between.
#ifndef PRUNE_PATCH_PANELS_H
#define PRUNE_PATCH_PANELS_H
#include "include/prune_dense_kernels.h"

/// Width of the sgemm's B panels (its register tile's columns).
enum { PRUNE_PANEL_WIDTH = 32 };

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
/// Rows [p0, p0 + kc) and columns [q0, q0 + nc) of the patch matrix of the planes at `x` (row p = (c·kh + i)·kw
/// + j, column q = oy·ow + ox, value x[c][oy·sh − ph + i·dh][ox·sw − pw + j·dw], 0 outside the plane) as
/// PRUNE_PANEL_WIDTH-column panels: panel t at dst + t·32·kc, holding for each p the 32 values of its columns
/// (0 past nc). Exactly the values prune_im2col_* would write there. Needs AVX-512F.
void prune_pack_patch_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q0,
                             int64_t nc, float *dst);
/// Whether prune_pack_shifted_panels packs window g: stride and dilation 1, output rows as wide as the input's.
int prune_shifted_panels_apply(const prune_plane_window *g);
/// prune_pack_patch_panels for such a window, each patch row of a panel one shifted stretch of its plane
/// (shifted_panels.c): the same values. Needs AVX-512F.
void prune_pack_shifted_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q0,
                               int64_t nc, float *dst);
/// The same for CPUs with AVX2 (patch_panels_avx2.c).
void prune_pack_patch_panels_avx2(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc,
                                  int64_t q0, int64_t nc, float *dst);
#endif
#endif
