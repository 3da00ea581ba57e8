#ifndef PRUNE_CBLAS_SHIM_H
#define PRUNE_CBLAS_SHIM_H
#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#include <lapacke.h>
#endif
#endif
