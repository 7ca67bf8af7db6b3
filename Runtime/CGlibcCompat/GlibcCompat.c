// glibc compatibility for AWS Lambda's provided.al2023, whose glibc is 2.34, while this code is
// built on Debian 12 (glibc 2.36). The linker binds an unversioned reference to the newest default
// version of a symbol, so a few calls made by the static Swift standard library and by the static
// libstdc++/libgcc_eh would require GLIBC_2.35 or 2.36 and the dynamic loader on AL2023 would refuse
// the executable ("version `GLIBC_2.35' not found"). Every executable links this file with
//     -Xlinker --wrap=hypotf -Xlinker --wrap=_dl_find_object -Xlinker --wrap=arc4random
// (Package.swift), which sends those references here, where they are pinned to versions that
// glibc 2.34 has or implemented with calls it has. scripts/package's checker
// (scripts/lib/check_lambda_package.py) proves that nothing newer than GLIBC_2.34 is left.
#define _GNU_SOURCE
#include "CGlibcCompat.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

int puntos_glibc_compat_floor(void) { return 34; }

// hypotf: glibc 2.35 added a new default version (a faster implementation, same results within an
// ulp); GLIBC_2.2.5's is the one glibc 2.34 has, and it is still exported by newer glibc.
extern float puntos_hypotf_glibc_2_2_5(float x, float y);
__asm__(".symver puntos_hypotf_glibc_2_2_5, hypotf@GLIBC_2.2.5");
float __wrap_hypotf(float x, float y) { return puntos_hypotf_glibc_2_2_5(x, y); }

// arc4random (GLIBC_2.36), referenced by libstdc++'s std::random_device: the same guarantee from
// getrandom(2) (GLIBC_2.25), which blocks only until the kernel's pool is first initialised.
uint32_t __wrap_arc4random(void) {
    uint32_t value = 0;
    unsigned char *bytes = (unsigned char *)&value;
    size_t filled = 0;
    while (filled < sizeof value) {
        ssize_t got = getrandom(bytes + filled, sizeof value - filled, 0);
        if (got > 0) filled += (size_t)got;
    }
    return value;
}

// _dl_find_object (GLIBC_2.35), which GCC 12's unwinder (libgcc_eh) calls to find the unwind tables
// of the object holding a program counter. The same answer from dl_iterate_phdr, which is what the
// unwinder used before glibc 2.35: the loaded object whose PT_LOAD segments contain the address,
// its extent, and its PT_GNU_EH_FRAME segment.
struct puntos_dl_find_object {
    unsigned long long dlfo_flags;
    void *dlfo_map_start;
    void *dlfo_map_end;
    struct link_map *dlfo_link_map;
    void *dlfo_eh_frame;
    unsigned long long reserved[7];
};

struct puntos_find_context {
    uintptr_t pc;
    struct puntos_dl_find_object *result;
};

static int puntos_find_callback(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct puntos_find_context *context = data;
    uintptr_t low = UINTPTR_MAX, high = 0;
    uintptr_t eh_frame = 0;
    int contains = 0;
    for (ElfW(Half) index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type == PT_LOAD) {
            uintptr_t start = info->dlpi_addr + header->p_vaddr;
            uintptr_t end = start + header->p_memsz;
            if (start < low) low = start;
            if (end > high) high = end;
            if (context->pc >= start && context->pc < end) contains = 1;
        } else if (header->p_type == PT_GNU_EH_FRAME) {
            eh_frame = info->dlpi_addr + header->p_vaddr;
        }
    }
    if (!contains) return 0;
    context->result->dlfo_flags = 0;
    context->result->dlfo_map_start = (void *)low;
    context->result->dlfo_map_end = (void *)high;
    context->result->dlfo_link_map = NULL;
    context->result->dlfo_eh_frame = (void *)eh_frame;
    return 1;
}

int __wrap__dl_find_object(void *pc, struct puntos_dl_find_object *result) {
    struct puntos_find_context context = {(uintptr_t)pc, result};
    return dl_iterate_phdr(puntos_find_callback, &context) == 1 ? 0 : -1;
}
