// Whether the CPU runs AVX-512 (F) instructions, asked once per file that includes this.
#ifndef PRUNE_CPU_FEATURES_H
#define PRUNE_CPU_FEATURES_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
static inline int prune_cpu_has_avx512(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return known;
}
#endif
#endif
