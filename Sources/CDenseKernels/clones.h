// Each kernel is compiled for AVX-512, AVX2 and the baseline on x86-64 Linux and the loader picks one
// for the CPU (target_clones); elsewhere it is compiled once.
#ifndef PRUNE_DENSE_CLONES_H
#define PRUNE_DENSE_CLONES_H
#if defined(__x86_64__) && defined(__linux__)
#define PRUNE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PRUNE_CLONES
#endif
#endif
