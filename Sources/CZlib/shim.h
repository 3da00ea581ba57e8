#ifndef PRUNE_CZLIB_SHIM_H
#define PRUNE_CZLIB_SHIM_H
#include <zlib.h>
#endif
