// Whether the CPU runs AVX-512 (F) instructions, and PREFETCHW; asked once per file that includes this.
#ifndef PRUNE_CPU_FEATURES_H
#define PRUNE_CPU_FEATURES_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

/// Whether the CPU runs PREFETCHW (CPUID leaf 0x80000001, ECX bit 8: AMD CPUs, Intel since Broadwell).
static inline int prune_cpu_has_prefetchw(void) {
    static int known = -1;
    if (known < 0) {
        unsigned int a = 0, b = 0, c = 0, d = 0;
        known = __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8)) ? 1 : 0;
    }
    return known;
}

/// Asks for the cache line at `p` to be written (PREFETCHW); only where prune_cpu_has_prefetchw() says so.
static inline __attribute__((always_inline)) void prune_prefetch_for_write(const void *p) {
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
}

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
