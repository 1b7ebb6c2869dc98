#ifndef INLET_CZLIB_SHIM_H
#define INLET_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 and deflateInit2 are macros; Swift cannot call them directly.
static inline int inlet_inflate_init2(z_stream *s, int windowBits) {
    return inflateInit2(s, windowBits);
}
static inline int inlet_deflate_init2(z_stream *s, int level, int windowBits) {
    return deflateInit2(s, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
#endif
