#ifndef INLET_CGLIBCCOMPAT_H
#define INLET_CGLIBCCOMPAT_H
/// Links definitions that let `bootstrap` load on glibc 2.34 (Amazon Linux 2023).
/// Nothing to call: the definitions satisfy references made inside the static Swift
/// runtime, which would otherwise bind to symbols versioned GLIBC_2.35.
int inlet_glibc_compat_linked(void);
#endif
