#ifndef PRUNE_CSYSTEM_SHIM_H
#define PRUNE_CSYSTEM_SHIM_H
/* C library interfaces Swift's Glibc module does not expose (malloc tuning). */
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
