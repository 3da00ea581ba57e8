// Prune's own single-precision GEMM (issue 18) for CPUs with AVX-512F or AVX2 with FMA. OpenBLAS is often
// run with its AVX2 kernels on AVX-512 machines (some CI machines pin OPENBLAS_CORETYPE=Haswell, because
// older OpenBLAS builds compute wrong results with their AVX-512 kernels on some CPUs), which leaves half
// of the vector width unused; and on every CPU, a product of its own lets the engine pack a convolution's
// filters once, read its patches straight from the image and fuse the layer's epilogue into the tiles.
// This is the GotoBLAS/BLIS scheme (Goto & van de Geijn, "Anatomy of High-Performance Matrix
// Multiplication", ACM TOMS 2008): op(B) packed in KC×NC blocks of 32-wide panels, op(A) in MC×KC blocks
// of 12-row panels, and a register tile per instruction set (sgemm_kernels.h: sgemm_avx512.c,
// sgemm_avx2.c) chosen once for the CPU.
//
// Each C[i][j] is alpha·Σ_k A[i][k]·B[k][j] summed in k order within blocks of KC, the blocks added to
// C in order: the same operations whatever tile, panel or column range the element falls in, so a
// product cut into ranges of rows or columns gives the same bits as the whole product.
#include "sgemm_kernels.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

/// A thread's packing buffers, grown to the largest block seen and kept for its next call; freed when the
/// thread exits (a pthread key's destructor), so threads that come and go do not leak them.
typedef struct { float *a, *b; size_t capacity_a, capacity_b; } PackingBuffers;

static pthread_key_t buffers_key;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *p) {
    PackingBuffers *buffers = p;
    free(buffers->a);
    free(buffers->b);
    free(buffers);
}

/// The kernels for this CPU, or NULL where BLAS does the products.
static const SgemmKernels *kernels;
static const char *kernels_name = "";

/// The table named `choice` (PRUNE_SGEMM: "openblas" for none, "avx2" for the AVX2 kernels on any CPU that
/// has them, anything else for the widest the CPU runs), with its name in `name`.
static const SgemmKernels *chosen(const char *choice, const char **name) {
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (choice && strcmp(choice, "openblas") == 0) return NULL;
    if (__builtin_cpu_supports("avx512f") && !(choice && strcmp(choice, "avx2") == 0)) {
        *name = "AVX-512";
        return &prune_sgemm_avx512;
    }
    *name = avx2 ? "AVX2" : "";
    return avx2 ? &prune_sgemm_avx2 : NULL;
}

/// Runs once: the thread-exit key, and which kernels run here.
static void setup(void) {
    const SgemmKernels *table = chosen(getenv("PRUNE_SGEMM"), &kernels_name);
    kernels = table && pthread_key_create(&buffers_key, free_buffers) == 0 ? table : NULL;
}

int prune_sgemm_use(const char *isa) {
    if (!prune_sgemm_available()) return 0;
    const char *name = "";
    const SgemmKernels *table = chosen(strcmp(isa, "AVX2") == 0 ? "avx2" : NULL, &name);
    if (!table || strcmp(name, isa) != 0) return 0;
    kernels = table;
    kernels_name = name;
    return 1;
}

static float *grown(float **slot, size_t *capacity, size_t count) {
    if (count > *capacity) {
        free(*slot);
        *slot = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
        *capacity = *slot ? count : 0;
    }
    return *slot;
}

/// This thread's buffers with room for `a_count` and `b_count` floats, or NULL when memory is short.
static PackingBuffers *buffers(size_t a_count, size_t b_count) {
    PackingBuffers *own = pthread_getspecific(buffers_key);
    if (!own) {
        own = calloc(1, sizeof *own);
        if (!own || pthread_setspecific(buffers_key, own) != 0) { free(own); return NULL; }
    }
    if (!grown(&own->a, &own->capacity_a, a_count) || !grown(&own->b, &own->capacity_b, b_count)) return NULL;
    return own;
}

int prune_sgemm_available(void) {
    pthread_once(&setup_once, setup);
    return kernels != NULL;
}

const char *prune_sgemm_kernels(void) {
    return prune_sgemm_available() ? kernels_name : "";
}

int prune_sgemm_packs_shifted_patches(prune_plane_window g) {
    return prune_sgemm_available() && kernels->packs_shifted && kernels->packs_shifted(&g);
}

/// Where the blocks of op(A) come from: packed block by block from `a` into `buffer` (in cache), or read
/// from a whole copy packed once (`packed`, rows rounded up to `mp`, this product's rows from `row0`).
typedef struct {
    const float *a;
    long lda;
    int trans;
    float *buffer;
    const float *packed;
    long mp, row0;
} ASource;

/// The mc×kc block of op(A) at rows ic and columns pc of this product, packed as `block` reads it.
static const float *a_block(const ASource *s, long ic, long mc, long pc, long kc) {
    if (s->packed) return s->packed + s->mp * pc + (s->row0 + ic) * kc;
    kernels->pack_a(s->a, s->lda, s->trans, ic, mc, pc, kc, s->buffer);
    return s->buffer;
}

/// Rows [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) from `src` as consecutive NR-column panels: patches
/// read from the image, a transposed B turned panel by panel, or a row-major B read one row of nc values at a
/// time, eight rows per pass.
static void pack_b_block(const BSource *src, long p0, long kc, long j0, long nc, float *dst) {
    if (src->image) {
        kernels->pack_patches(src->image, src->window, p0, kc, src->column0 + j0, nc, dst);
    } else if (src->trans) {
        for (long q = 0; q < nc; q += NR)
            kernels->pack_transposed(src->b, src->ldb, p0, kc, j0 + q, nc - q < NR ? nc - q : NR, dst + q * kc);
    } else {
        for (long p = 0; p < kc; p += 8)
            kernels->pack_rows(src->b + (p0 + p) * src->ldb + j0, src->ldb, kc - p < 8 ? kc - p : 8, nc, kc,
                               dst + p * NR);
    }
}

/// The longest k for which a row-major op(B) is always read where it lies instead of packed
/// (`block_in_place`), and the longest for a product of at most IN_PLACE_ROWS rows and IN_PLACE_COLUMNS
/// columns. Packing costs a copy of B per product, paid back over the A panels that read it: with a short k
/// each tile has few steps to pay for it with (a 1×1 convolution of 8 channels into 16 filters over 14×14,
/// 64 images, one core: 14% of its time in pack_rows; 75.9 → 70.2 µs in place), and with few rows few tiles
/// share it (16 filters from 128 channels over 14×14: 817 → 701 µs). Over 784 columns and 128 rows at k 64,
/// reading in place was slower (2.51 → 2.72 ms): B's rows then come from beyond L1, strip after strip.
enum { IN_PLACE_K = 32, IN_PLACE_LONG_K = 128, IN_PLACE_ROWS = 96, IN_PLACE_COLUMNS = 256 };

/// Whether the blocks of op(B) from `bsrc` in an m×n×k product are read where they lie: a row-major matrix,
/// k in one short block, and a kernel set that can.
static int reads_b_in_place(const BSource *bsrc, long m, long n, long k) {
    if (!kernels->block_in_place || !bsrc->b || bsrc->trans || bsrc->image) return 0;
    return k <= IN_PLACE_K || (k <= IN_PLACE_LONG_K && m <= IN_PLACE_ROWS && n <= IN_PLACE_COLUMNS);
}

/// Columns [j0, j0 + nc) of `column_bias` into rows [0, mc) of C (rows ldc apart) at column j0, when it is not
/// NULL: written just before a block's first products are added to it (beta 1), so the block is in cache and
/// C is not filled in a pass of its own; the same sums as a C filled with the bias beforehand.
static float first_block_beta(const float *column_bias, long mc, long nc, long j0, float *c, long ldc, float beta) {
    if (!column_bias) return beta;
    for (long r = 0; r < mc; r++) memcpy(c + r * ldc + j0, column_bias + j0, (size_t)nc * sizeof(float));
    return 1;
}

/// The GotoBLAS loop nest: op(B) in NC×kc blocks packed into `pb` from `bsrc` (or read in place, see
/// `reads_b_in_place`; `pb` then holds the columns the tiles leave over), op(A) in MC×kc blocks from `src`;
/// the first block of k adds `bias` (per row of C) when it is not NULL, else `column_bias` (per column of C)
/// when it is not NULL, else beta·C; the last applies the epilogue `e` when it is not NULL.
static void blocked_product(const ASource *src, long m, long n, long k, long kstep, float alpha,
                                   const BSource *bsrc, const float *bias, const float *column_bias,
                                   const prune_epilogue *e, float beta, float *c, long ldc, float *pb) {
    if (reads_b_in_place(bsrc, m, n, k)) {
        for (long ic = 0; ic < m; ic += MC) {
            long mc = m - ic < MC ? m - ic : MC;
            float first = first_block_beta(column_bias, mc, n, 0, c + ic * ldc, ldc, beta);
            kernels->block_in_place(mc, n, k, a_block(src, ic, mc, 0, k), bsrc->b, bsrc->ldb, pb, c + ic * ldc,
                                    ldc, alpha, first, bias ? bias + ic : NULL, e, ic, ic * ldc);
        }
        return;
    }
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += kstep) {
            long kc = k - pc < kstep ? k - pc : kstep;
            pack_b_block(bsrc, pc, kc, jc, nc, pb);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                float first = pc == 0 ? first_block_beta(column_bias, mc, nc, jc, c + ic * ldc, ldc, beta) : 1;
                kernels->block(mc, nc, kc, a_block(src, ic, mc, pc, kc), pb, c + ic * ldc + jc, ldc, alpha, first,
                               pc == 0 && bias ? bias + ic : NULL, pc + kc == k ? e : NULL, ic, ic * ldc + jc);
            }
        }
    }
}

/// prune_sgemm, plus `column_bias` per column of C in the first block of k when it is not NULL (beta unused).
static int product(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                   int64_t lda, const float *b, int64_t ldb, const float *column_bias, float beta, float *c,
                   int64_t ldc) {
    if (!prune_sgemm_available() || m <= 0 || n <= 0 || k <= 0) return 0;
    long kstep = k_step(k);
    long mcap = m < MC ? (m + MR - 1) / MR * MR : MC, kcap = k < kstep ? k : kstep;
    long ncap = n < NC ? (n + NR - 1) / NR * NR : NC;
    PackingBuffers *packed = buffers((size_t)(mcap * kcap), (size_t)(ncap * kcap));
    if (!packed) return 0;
    const ASource src = { a, lda, trans_a, packed->a, NULL, 0, 0 };
    const BSource bsrc = { b, ldb, trans_b, NULL, NULL, 0 };
    blocked_product(&src, m, n, k, kstep, alpha, &bsrc, NULL, column_bias, NULL, beta, c, ldc, packed->b);
    return 1;
}

int prune_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    return product(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, NULL, beta, c, ldc);
}

int prune_sgemm_column_bias(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float *a,
                            int64_t lda, const float *b, int64_t ldb, const float *column_bias, float *c,
                            int64_t ldc) {
    return column_bias ? product(trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, column_bias, 1, c, ldc) : 0;
}

int64_t prune_sgemm_packed_a_count(int64_t m, int64_t k) {
    return m <= 0 || k <= 0 ? 0 : (m + MR - 1) / MR * MR * k;
}

// The whole op(A), block of k after block of k as prune_sgemm cuts them, each block the MR-row panels of
// every row: block pc starts at mp·pc (mp = m rounded up to MR), its panel q at q·MR·kc within it.
int prune_sgemm_pack_a(int trans_a, int64_t m, int64_t k, const float *a, int64_t lda, float *packed) {
    if (!prune_sgemm_available() || m <= 0 || k <= 0) return 0;
    const long mp = (m + MR - 1) / MR * MR, kstep = k_step(k);
    for (long pc = 0; pc < k; pc += kstep) {
        long kc = k - pc < kstep ? k - pc : kstep;
        kernels->pack_a(a, lda, trans_a, 0, m, pc, kc, packed + mp * pc);
    }
    return 1;
}

/// The product of prepacked rows [row0, row0 + m) of A by op(B) from `bsrc`.
static int prepacked_product(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, float alpha,
                             const float *packed, const BSource *bsrc, const float *bias, const prune_epilogue *e,
                             float beta, float *c, int64_t ldc) {
    if (!prune_sgemm_available() || m <= 0 || n <= 0 || k <= 0 || row0 % MR != 0 || row0 + m > rows) return 0;
    const long kstep = k_step(k);
    long kcap = k < kstep ? k : kstep, ncap = n < NC ? (n + NR - 1) / NR * NR : NC;
    PackingBuffers *own = buffers(MR, (size_t)(ncap * kcap));
    if (!own) return 0;
    const ASource src = { NULL, 0, 0, NULL, packed, (rows + MR - 1) / MR * MR, row0 };
    blocked_product(&src, m, n, k, kstep, alpha, bsrc, bias, NULL, e, beta, c, ldc, own->b);
    return 1;
}

int prune_sgemm_prepacked(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, float alpha,
                          const float *packed, int trans_b, const float *b, int64_t ldb, float beta, float *c,
                          int64_t ldc) {
    const BSource bsrc = { b, ldb, trans_b, NULL, NULL, 0 };
    return prepacked_product(rows, row0, m, n, k, alpha, packed, &bsrc, NULL, NULL, beta, c, ldc);
}

int prune_sgemm_prepacked_b(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, const float *packed,
                            const prune_sgemm_b *b, const float *bias, const prune_epilogue *epilogue, float beta,
                            float *c, int64_t ldc) {
    const BSource bsrc = { b->matrix, b->ld, 0, b->image, &b->window, b->column0 };
    return prepacked_product(rows, row0, m, n, k, 1, packed, &bsrc, bias, epilogue, beta, c, ldc);
}

#else

int prune_sgemm_available(void) { return 0; }

const char *prune_sgemm_kernels(void) { return ""; }

int prune_sgemm_packs_shifted_patches(prune_plane_window g) { (void)g; return 0; }

int prune_sgemm_use(const char *isa) { (void)isa; return 0; }

int prune_sgemm_prepacked_b(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, const float *packed,
                            const prune_sgemm_b *b, const float *bias, const prune_epilogue *epilogue, float beta,
                            float *c, int64_t ldc) {
    (void)rows; (void)row0; (void)m; (void)n; (void)k; (void)packed; (void)b; (void)bias; (void)epilogue;
    (void)beta; (void)c; (void)ldc;
    return 0;
}

int prune_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int prune_sgemm_column_bias(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float *a,
                            int64_t lda, const float *b, int64_t ldb, const float *column_bias, float *c,
                            int64_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb;
    (void)column_bias; (void)c; (void)ldc;
    return 0;
}

int64_t prune_sgemm_packed_a_count(int64_t m, int64_t k) { (void)m; (void)k; return 0; }

int prune_sgemm_pack_a(int trans_a, int64_t m, int64_t k, const float *a, int64_t lda, float *packed) {
    (void)trans_a; (void)m; (void)k; (void)a; (void)lda; (void)packed;
    return 0;
}

int prune_sgemm_prepacked(int64_t rows, int64_t row0, int64_t m, int64_t n, int64_t k, float alpha,
                          const float *packed, int trans_b, const float *b, int64_t ldb, float beta, float *c,
                          int64_t ldc) {
    (void)rows; (void)row0; (void)m; (void)n; (void)k; (void)alpha; (void)packed; (void)trans_b; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

#endif
