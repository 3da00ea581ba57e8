// Elementwise and pooling kernels of the dense engine (issue 18): plain C loops the compiler
// vectorizes, compiled for AVX-512, AVX2 and the baseline on x86-64 Linux (the loader picks one for
// the CPU), once elsewhere. Each gives the same results as the Swift loops it replaced, bit for bit:
// no reassociation, NaN handled as the Swift code did.
#ifndef PRUNE_DENSE_KERNELS_H
#define PRUNE_DENSE_KERNELS_H
#include <stdint.h>

/// y[i] = x[i] <= 0 ? 0 : x[i] (a NaN passes through).
void prune_relu_f32(const float *x, float *y, int64_t n);
/// In place, for epilogues fused into a layer's output: y = relu(y), y = y > 0 ? y : slope·y, y = y·scale + shift,
/// the same operations as prune_relu_f32, leaky ReLU and prune_channel_affine_f32.
void prune_relu_inplace_f32(float *y, int64_t n);
void prune_leaky_relu_inplace_f32(float *y, float slope, int64_t n);
void prune_affine_inplace_f32(float *y, float scale, float shift, int64_t n);
/// y = y·scale, y = y + shift, dst = dst·src: a per-channel or elementwise Mul or Add fused into a layer's output.
void prune_scale_inplace_f32(float *y, float scale, int64_t n);
void prune_shift_inplace_f32(float *y, float shift, int64_t n);
void prune_multiply_f32(float *dst, const float *src, int64_t n);
/// dx[i] = y[i] > 0 ? g[i] : 0, where y is the ReLU's output.
void prune_relu_backward_f32(const float *g, const float *y, float *dx, int64_t n);
/// dst[i] += src[i] (dst and src do not overlap).
void prune_add_f32(float *dst, const float *src, int64_t n);
/// 2×2, stride-2 max pooling of one w-wide plane into oh×ow outputs with the flat index of each
/// window's winner (the first maximum in reading order; a NaN wins and stays, as in PyTorch).
void prune_maxpool2x2_f32(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg);
/// Max pooling's backward pass for one plane of `plane` inputs: dx = zeros, then dx[arg[j]] += g[j] for j in
/// [0, outputs) in order (the winners' flat indices from prune_maxpool2x2_f32 or the Swift loops).
void prune_maxpool_backward_f32(const float *g, const int32_t *arg, int64_t outputs, int64_t plane, float *dx);
/// Max pooling of one h×w plane into oh×ow values, any window (kernel, stride, padding, dilation):
/// the first maximum of each window in reading order, a NaN winning as above; padding never wins
/// (a window of padding only gives −∞). No winner indices: for inference.
void prune_maxpool_values_f32(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                              int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                              float *out);
/// Average pooling of one h×w plane into oh×ow values, any window: out[y][x] = scales[y·ow + x] times the
/// sum of the window's positions inside the plane (padding adds nothing; the divisor, whichever positions
/// it counts, is in `scales`). Small planes add each kernel row's values, then the rows' sums; large ones
/// add the values in (i, j) order; a single unpadded window is summed in 16 lanes (``prune_sum_f32``):
/// the same sums up to float rounding.
void prune_avgpool_f32(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                       int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, const float *scales,
                       float *out);
/// Channel c of local response normalization (Krizhevsky et al. 2012, ONNX LRN) over one image of
/// `channels` planes of `inner` values at x: y = x_c / (bias + α/size · Σ x_k²)^β over the channels k of
/// c's window (⌊(size−1)/2⌋ below, the rest above, clipped at the ends), added in channel order.
void prune_lrn_plane_f32(const float *x, int64_t channels, int64_t inner, int64_t c, int64_t size, float alpha,
                         float beta, float bias, float *y);

/// y = x·scale[c] + shift[c] over `outer` blocks of `channels` planes of `inner` values ([N, C, …]).
void prune_channel_affine_f32(const float *x, const float *scale, const float *shift, int64_t outer,
                              int64_t channels, int64_t inner, float *y);
/// The window geometry of one plane: input h×wd, kernel kh×kw, strides, leading pads, dilations, output oh×ow.
typedef struct {
    int64_t h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
} prune_plane_window;
/// Whether prune_pool_lanes_f32 runs pooling window g (max when is_max, else average): small planes (at most
/// 1,024 outputs, rows under 32 wide; for average pooling at stride 1 across, under 16) with their border on a
/// CPU with AVX2.
int prune_pool_lanes_applies(prune_plane_window g, int is_max);
/// Max or average pooling (is_max) of the first count rounded down to 8 of the planes at x (consecutive, h×wd
/// each) into the planes at y, 8 planes per AVX2 vector (pool_lanes.c), each average times scales[y·ow + x]:
/// the same values, bit for bit, as prune_maxpool_values_f32 or prune_avgpool_f32 per plane. Returns the
/// planes pooled (0 when it does not apply); the caller pools the rest.
int64_t prune_pool_lanes_f32(const float *x, int64_t count, prune_plane_window g, int is_max, const float *scales,
                             float *y);
/// A convolution whose filters each read one input channel (depthwise, C/groups = 1), input planes
/// [first, first + count) of x (plane p = image·channels + channel), each read by `multiplier` consecutive
/// filters: output plane p·multiplier + m, filter f = (p mod channels)·multiplier + m, is
/// y[oy, ox] = bias[f] + Σ_ij w[f, i, j]·x[oy·sh − ph + i·dh, ox·sw − pw + j·dw] over the positions inside
/// the plane, the products added in (i, j) order; `bias` may be NULL (0).
void prune_depthwise_f32(const float *x, int64_t first, int64_t count, int64_t channels, int64_t multiplier,
                         const float *w, const float *bias, prune_plane_window g, float *y);
/// Output positions [q0, q0 + count) of a convolution of one image's `channels` planes at x by `filters` filters
/// (w: [filters][channels·kh·kw]) into the planes at y (oh·ow apart): y[f][q] = bias[f] + Σ_k w[f][k]·patch[k][q]
/// with the patch values of im2col (0 in the padding), the products summed as prune_sgemm_prepacked_b sums them
/// (the same bits); `bias` may be NULL. The positions broadcast from a padded copy of their input rows and the
/// filters in vector lanes: no patch matrix (direct_conv.c). Returns 0 when it cannot run here (no AVX2 and
/// FMA, or memory short).
int prune_conv_direct_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                          const float *bias, int64_t q0, int64_t count, float *y);
/// The values of prune_conv_direct_pack's panels for `filters` filters of k values each.
int64_t prune_conv_direct_panel_count(int64_t filters, int64_t k);
/// The filters w ([filters][k]) as prune_conv_direct_packed_f32 reads them: panels of 16 filters, for each of the
/// k values the panel's 16 (zeros past the last filter), prune_conv_direct_panel_count values in all.
void prune_conv_direct_pack(const float *w, int64_t filters, int64_t k, float *dst);
/// prune_conv_direct_f32 with the filters packed once by prune_conv_direct_pack (a layer's, between calls).
int prune_conv_direct_packed_f32(const float *x, prune_plane_window g, int64_t channels, const float *panels,
                                 int64_t filters, const float *bias, int64_t q0, int64_t count, float *y);
/// prune_conv_direct_f32's convolution with consecutive output positions of a row in vector lanes and 6 filters
/// broadcast (conv_rows.c), for patches of at most 64 values: the outputs land in their planes as they are. The
/// same sums as prune_sgemm_prepacked_b for such patches (the same bits). Returns 0 when it cannot run here.
int prune_conv_rows_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                        const float *bias, int64_t q0, int64_t count, float *y);
/// Filters rounded up to whole panels of 16: the row length of prune_conv_weight_grad_f32's accumulator.
int64_t prune_conv_weight_grad_width(int64_t filters);
/// Adds one image's weight gradient of the convolution g (one group: `channels` planes at x, `filters` output
/// gradient planes of oh·ow values at gout) into acc, transposed: acc[(c·kh + i)·kw + j][f] (rows
/// prune_conv_weight_grad_width(filters) apart) += Σ_{y, x} gout[f][y·ow + x] · x[c][y·sh − ph + i·dh][x·sw −
/// pw + j·dw] (0 outside the plane), summed over blocks of positions in order (weight_gradient.c: the direct
/// convolution's tile with patch values broadcast, no patch matrix). Returns 0 when it cannot run here (no AVX2
/// and FMA, or memory short); acc is then untouched.
int prune_conv_weight_grad_f32(const float *x, prune_plane_window g, int64_t channels, const float *gout,
                               int64_t filters, float *acc);
/// Σ x[i] in 16 interleaved partial sums added in a fixed order (deterministic, not sequential).
float prune_sum_f32(const float *x, int64_t n);
/// out[r] = prune_sum_f32(x + r·ld, len) for r < rows, bit for bit: 8 rows at a time in AVX2 registers where the
/// CPU has them (row_sums.c), so that their final additions run side by side.
void prune_row_sums_f32(const float *x, int64_t rows, int64_t len, int64_t ld, float *out);

/// dst[j·ld_dst + i] = src[i·ld_src + j] for i < rows, j < cols: 16×16 blocks in AVX-512 registers where the
/// CPU has them (transpose.c), a cache-blocked loop otherwise.
void prune_transpose_f32(const float *src, int64_t rows, int64_t cols, int64_t ld_src, float *dst, int64_t ld_dst);

// 1 when value[i] × mask[i] == value[i] bit for bit everywhere: mask 1, or mask +0 and value ±0.
int32_t prune_is_masked_f32(const float *value, const float *mask, int64_t n);

// sums[j] += x[r][j]² in Double for every row r of a row-major rows × columns matrix with rows `stride` apart.
void prune_add_squares_f64(const float *x, int64_t rows, int64_t columns, int64_t stride, double *sums);

/// The patch matrix of a stride-1, dilation-1 convolution: row (c·kh + i)·kw + j, column y·ow + x
/// holds plane c at (y + i − ph, x + j − pw) for cg planes of h×w at `x`; rows are `ld` apart.
/// Positions in the padding are never written (zero the matrix once per geometry).
void prune_im2col_unit(const float *x, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t ph,
                       int64_t pw, int64_t oh, int64_t ow, float *cols, int64_t ld);
/// The adjoint: adds each entry of the patch matrix back into the planes at `dx`.
void prune_col2im_unit(const float *cols, int64_t ld, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                       int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *dx);

/// The patch matrix of any stride and dilation (same layout; positions in the padding never written).
void prune_im2col_general(const float *x, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh,
                          int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow,
                          float *cols, int64_t ld);
/// Its adjoint: adds each entry of the patch matrix back into the planes at `dx`.
void prune_col2im_general(const float *cols, int64_t ld, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                          int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh,
                          int64_t ow, float *dx);
/// Softmax (or log-softmax when `log` is 1) of each of `rows` contiguous rows of `len` values:
/// exp(x − max) by a degree-7 polynomial (within 2 ulp of libm's expf; terms below e^−87.3 of the
/// row's largest are 0), summed in 16 lanes in a fixed order. A NaN in a row makes the row NaN.
void prune_softmax_rows_f32(const float *x, float *y, int64_t rows, int64_t len, int32_t log);
/// y[i] = 1 / (1 + e^−x[i]), through e^−|x| so nothing overflows; within 2 ulp of the libm form.
void prune_sigmoid_f32(const float *x, float *y, int64_t n);
/// The exact GELU x·Φ(x) = x·erfc(−x/√2)/2 (Hendrycks & Gimpel 2016) with erfc from a Chebyshev fit of
/// fractional error below 1.2e-7: within 5e-7 relative of the libm form; NaN stays NaN.
void prune_gelu_f32(const float *x, float *y, int64_t n);
/// erf(x): a Maclaurin series below |x| = 1/2, 1 − erfc(|x|) (the same Chebyshev fit) above; within
/// 3e-7 relative of libm's erff; NaN stays NaN, ±∞ gives ±1.
void prune_erf_f32(const float *x, float *y, int64_t n);
/// tanh(x): a Maclaurin series below |x| = 0.4, (1 − e)/(1 + e) with e = e^−2|x| (the softmax's polynomial
/// exp) above; within 4 ulp of the exact value; NaN stays NaN, ±∞ gives ±1.
void prune_tanh_f32(const float *x, float *y, int64_t n);
/// GELU's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016, as GPT-2 uses
/// it), as x·σ(2u) with u the tanh's argument (the same function: (1 + tanh u)/2 = σ(2u)).
void prune_gelu_tanh_f32(const float *x, float *y, int64_t n);
/// y[i] = x[i]·x[i] and y[i] = x[i]·x[i]·x[i] (Pow with the exponents 2 and 3).
void prune_square_f32(const float *x, float *y, int64_t n);
void prune_cube_f32(const float *x, float *y, int64_t n);
/// Layer normalization of `rows` rows of `n` values: y = (x − mean)/√(var + ε)·w + b, per row.
void prune_layer_norm_rows_f32(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t n,
                               float epsilon);
/// Batch normalization in training for channels [c0, c1) of x [outer, channels, inner] (batchnorm.c): the
/// batch mean, biased variance and 1/√(variance + epsilon) per channel, and y = (x − mean)·inv_std·gamma + beta.
void prune_batchnorm_forward_f32(const float *x, int64_t outer, int64_t channels, int64_t inner,
                                 const float *gamma, const float *beta, float epsilon, int64_t c0, int64_t c1,
                                 float *y, float *mean, float *variance, float *inv_std);
/// Its gradients for channels [c0, c1): dgamma = Σ dy·x̂, dbeta = Σ dy, and (when dx is not NULL)
/// dx = gamma·inv_std·(dy − dbeta/M − x̂·dgamma/M), with x̂ = (x − mean)·inv_std and M = outer·inner.
void prune_batchnorm_backward_f32(const float *dy, const float *x, int64_t outer, int64_t channels, int64_t inner,
                                  const float *mean, const float *inv_std, const float *gamma, int64_t c0,
                                  int64_t c1, float *dx, float *dgamma, float *dbeta);
/// 1 when prune_sgemm computes products here (x86-64 with AVX-512F, or AVX2 and FMA, and PRUNE_SGEMM is not
/// "openblas"; PRUNE_SGEMM=avx2 takes the AVX2 kernels on an AVX-512 CPU).
int prune_sgemm_available(void);
/// C = alpha·op(A)·op(B) + beta·C for row-major matrices (op transposes when trans_* is 1), on the calling
/// thread with Prune's AVX-512 or AVX2 kernels (sgemm.c); beta 0 never reads C. Returns 0 without touching C when
/// the kernels are not available here (the caller then uses BLAS). Each C[i][j] gets the same operations
/// whatever rows or columns of C the call covers.
int prune_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// C = op(A)·op(B) + column_bias[j] on every row of C (n values), as prune_sgemm with alpha 1 and beta 1 on a C
/// filled with the bias, and with the same bits; the bias is written into each block of C just before the
/// block's first products are added (sgemm.c), so C is not filled in a pass of its own and is never read
/// before. Returns 0 without touching C when the kernels are not available here or column_bias is NULL.
int prune_sgemm_column_bias(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float *a,
                            int64_t lda, const float *b, int64_t ldb, const float *column_bias, float *c,
                            int64_t ldc);
/// The instruction set of the sgemm kernels in use ("AVX-512" or "AVX2"), "" when BLAS does the products.
const char *prune_sgemm_kernels(void);
/// Whether the sgemm packs the patch panels of window g straight from the image as fast as from a laid-out
/// patch matrix or faster (stride 1, output rows as wide as the input's, on the AVX-512 kernels): a caller
/// then need not lay the patches out first (prune_sgemm_prepacked_b with `image`).
int prune_sgemm_packs_shifted_patches(prune_plane_window g);
/// Switches the sgemm to the kernels of `isa` ("AVX-512" or "AVX2"), for tests and comparisons that run both
/// on one CPU; returns 0 (and changes nothing) when the CPU does not run them or the kernels are off. Not to
/// be called while products run.
int prune_sgemm_use(const char *isa);
/// y = alpha·op(A)·x + beta·y for a row-major A of rows×columns (rows `lda` apart; op transposes when `trans`
/// is 1, and y then has `columns` values, else `rows`), on the calling thread with the kernels of the sgemm's
/// instruction set (gemv.c); beta 0 never reads y. Returns 0 without touching y where the sgemm's kernels do
/// not run (the caller then uses BLAS).
int prune_sgemv(int trans, int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                const float *x, float beta, float *y);
/// Floats of a packed op(A) of m×k (prune_sgemm_pack_a); 0 when the kernels are not available here.
int64_t prune_sgemm_packed_a_count(int64_t m, int64_t k);
/// Packs the whole op(A) (m×k) once, for products that reuse it (a convolution's filters, image after
/// image and range after range). Returns 0 when the kernels are not available here.
int prune_sgemm_pack_a(int trans_a, int64_t m, int64_t k, const float *a, int64_t lda, float *packed);
/// prune_sgemm with op(A) packed by prune_sgemm_pack_a (`rows` rows; this call takes rows [row0, row0 + m),
/// row0 a multiple of 12): the same operations, so the same bits, as prune_sgemm on those rows. Returns 0
/// when it cannot (kernels not available, row0 not on a panel).
int prune_sgemm_prepacked(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, float alpha,
                          const float *packed, int trans_b, const float *b, int64_t ldb, float beta, float *c,
                          int64_t ldc);
/// op(B) of prune_sgemm_prepacked_b: the row-major k×n matrix `matrix` (rows `ld` apart) when `image` is NULL,
/// else columns [column0, column0 + n) of the patch matrix of the planes at `image` for `window` (row
/// (c·kh + i)·kw + j, column oy·ow + ox: the values im2col lays out, 0 in the padding), read straight from
/// the image (an implicit GEMM, no patch matrix).
typedef struct {
    const float *matrix;
    int64_t ld;
    const float *image;
    prune_plane_window window;
    int64_t column0;
} prune_sgemm_b;
/// Steps of an epilogue the sgemm applies to each tile of C in registers after its last block of k (operator
/// fusion at inference), each the same operation, bit for bit, as the separate kernel it replaces: ReLU
/// (prune_relu_inplace_f32), leaky ReLU (y > 0 ? y : slope·y), affine y·scale + shift with one scale and
/// shift per output channel (prune_affine_inplace_f32), add or multiply by one value per channel (`shift` or
/// `scale`, step 1) or in all (step 0), or by a tensor shaped like the output (`operand`, by flat index).
enum {
    PRUNE_EPILOGUE_RELU = 1, PRUNE_EPILOGUE_LEAKY_RELU, PRUNE_EPILOGUE_AFFINE, PRUNE_EPILOGUE_ADD,
    PRUNE_EPILOGUE_MULTIPLY, PRUNE_EPILOGUE_MAX_STEPS = 6
};
typedef struct {
    int32_t kind;
    float slope;
    const float *scale, *shift;
    int64_t step;
    const float *operand;
} prune_epilogue_step;
/// The steps in order; C's first row is output channel `channel0` and its first element sits at flat index
/// `origin` of the output (C's rows ldc apart, as the output's channel planes).
typedef struct {
    int32_t count;
    prune_epilogue_step steps[PRUNE_EPILOGUE_MAX_STEPS];
    int64_t channel0, origin;
} prune_epilogue;
/// C = A[row0 ..< row0 + m]·B + bias (one value per row of C, from bias[0]) when `bias` is not NULL, else
/// + beta·C, with A packed by prune_sgemm_pack_a: the same operations as prune_sgemm_prepacked with alpha 1
/// on the same B (and, for the bias, as beta 1 on a C that holds it), then `epilogue` (when not NULL) on each
/// tile. Returns 0 when it cannot.
int prune_sgemm_prepacked_b(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, const float *packed,
                            const prune_sgemm_b *b, const float *bias, const prune_epilogue *epilogue, float beta,
                            float *c, int64_t ldc);
/// The steps of `epilogue` on rows [0, rows) and columns [0, cols) of C in place (rows ldc apart; C's first row
/// is output channel epilogue->channel0, its first element at flat index epilogue->origin of the output): the
/// same bits as the sgemm's tiles and the steps' own kernels give (epilogue_rows.c). Returns 0 when it cannot
/// run here (no AVX2 and FMA).
int prune_epilogue_rows_f32(const prune_epilogue *epilogue, float *c, int64_t rows, int64_t cols, int64_t ldc);
/// prune_depthwise_f32 with the steps of `epilogue` applied to the outputs in registers before they are stored
/// (the same bits as the steps' own kernels), where it can: a multiplier that is a multiple of 16, dilation 1,
/// a CPU with AVX-512. Each plane's channel0 and origin are its own (y's flat index, channels·multiplier
/// output channels); `epilogue`'s are not read. Returns 1 when it ran; 0 when it did nothing (the caller then
/// runs prune_depthwise_f32 and the epilogue).
int prune_depthwise_epilogue_f32(const float *x, int64_t first, int64_t count, int64_t channels, int64_t multiplier,
                                 const float *w, const float *bias, prune_plane_window g,
                                 const prune_epilogue *epilogue, float *y);
/// Who chose the BLAS kernels in use (blas_setup.c): OpenBLAS itself (or its fallback for a CPU it does not
/// know), or the OPENBLAS_CORETYPE variable.
const char *prune_blas_kernel_note(void);
/// One part of a pooled run: `context` as given to prune_pool_run, `part` in [0, parts).
typedef void (*prune_pool_task)(void *context, int64_t part);
/// Runs task(context, p) for p in [0, parts) on the calling thread and up to threads − 1 pool workers
/// (worker_pool.c), returning when all are done; on the calling thread alone when another run is in
/// progress. Each part runs exactly once.
void prune_pool_run(int64_t parts, int threads, prune_pool_task task, void *context);
#endif
