#ifndef PUNTOS_CGLIBCCOMPAT_H
#define PUNTOS_CGLIBCCOMPAT_H

/// Keeps every function executable loadable by glibc 2.34 (Amazon Linux 2023, AWS Lambda's
/// provided.al2023), although it is built on Debian 12 (glibc 2.36). See GlibcCompat.c.
/// Returns the highest GLIBC_2.x this shim pins to, so that the target is never empty to Swift.
int puntos_glibc_compat_floor(void);

#endif
