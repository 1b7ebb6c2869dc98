// The Swift 6.3 static runtime on Debian 12 references hypotf, which glibc 2.35 gave a
// new symbol version (GLIBC_2.35). Amazon Linux 2023 ships glibc 2.34, so a bootstrap
// binding to that version would not load there. Defining hypotf in the executable makes
// the static linker bind the runtime's reference here instead of to libm.
//
// Computing in double is exact enough for a float result: the squares of the largest
// floats (about 1.2e77) are far inside double's range, so nothing overflows or
// underflows that hypotf itself would not.
#include "CGlibcCompat.h"

#if defined(__linux__)
float hypotf(float x, float y) {
    // C99 Annex F: an infinity wins over a NaN.
    if (__builtin_isinf(x) || __builtin_isinf(y)) return __builtin_inff();
    double dx = (double)x, dy = (double)y;
    return (float)__builtin_sqrt(dx * dx + dy * dy);
}
#endif

int inlet_glibc_compat_linked(void) { return 1; }
