#ifndef PRUNE_CSYSTEM_SHIM_H
#define PRUNE_CSYSTEM_SHIM_H
/* C library interfaces Swift's Glibc module does not expose (malloc tuning, atomics). */
#if defined(__linux__)
#include <malloc.h>
#endif

/* Lock-free loads and stores a signal handler may make (StopRequest). */
static inline int prune_atomic_load(const int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline int prune_atomic_exchange(int *p, int v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline int prune_atomic_add(int *p, int v) { return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST); }
#endif
