// Each kernel is compiled for AVX-512, AVX2 and the baseline on x86-64 Linux and the loader picks one
// for the CPU (target_clones); elsewhere it is compiled once.
#ifndef PRUNE_DENSE_CLONES_H
#define PRUNE_DENSE_CLONES_H
#if defined(__x86_64__) && defined(__linux__)
#define PRUNE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
// For kernels that call fmaf: the "avx2" target alone has no FMA, so fmaf stays a libm call and the loop does
// not vectorize (GELU ran one value at a time, ~7 cycles each, on AVX2 CPUs); "arch=x86-64-v3" is AVX2 with
// FMA (and BMI, F16C, MOVBE, LZCNT, which every AVX2+FMA CPU has). The other kernels keep the AVX2 clone
// without FMA, whose separate multiplies and adds give the bits their fused and lane paths are tested
// against.
#define PRUNE_CLONES_FMA __attribute__((target_clones("avx512f", "arch=x86-64-v3", "avx2", "default")))
#else
#define PRUNE_CLONES
#define PRUNE_CLONES_FMA
#endif
#endif
