/*
 * mapsrc.c: linker-script regions and symbols into the map (see mapsrc.h).
 */
#include "mapsrc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "ldscript.h"

static int has(const char *name, const char *word)
{
    char up[128];
    size_t i = 0;
    for (; name[i] && i < sizeof up - 1; i++) {
        up[i] = (char)toupper((unsigned char)name[i]);
    }
    up[i] = 0;
    return strstr(up, word) != NULL;
}

enum rmap_kind mapsrc_guess_kind(const char *name)
{
    if (has(name, "ROMFS") || has(name, "_FS") || has(name, "FS_") ||
        has(name, "FILESYS") || has(name, "STORAGE")) {
        return RMAP_K_FILESYSTEM;
    }
    if (has(name, "FLASH") || has(name, "IROM") || has(name, "DROM") ||
        has(name, "TEXT") || has(name, "ISR")) {
        return RMAP_K_FLASH;
    }
    if (has(name, "RAM") || has(name, "CCM") || has(name, "SCRATCH") ||
        has(name, "DATA") || has(name, "BSS") || has(name, "SEG")) {
        return RMAP_K_RAM;
    }
    if (has(name, "ROM")) {
        return RMAP_K_FLASH; /* ld's "ROM" is code storage on these ports */
    }
    if (has(name, "DPORT") || has(name, "PERIPH")) {
        return RMAP_K_PERIPHERAL;
    }
    return RMAP_K_OTHER;
}

static unsigned attrs_of(const char *text)
{
    unsigned a = 0;
    int neg = 0;
    for (; *text; text++) {
        unsigned bit = 0;
        switch (tolower((unsigned char)*text)) {
        case '!': neg = 1; continue;
        case 'r': bit = RMAP_A_R; break;
        case 'w': bit = RMAP_A_W; break;
        case 'x': bit = RMAP_A_X; break;
        default: continue;
        }
        if (!neg) {
            a |= bit;
        }
    }
    return a;
}

static const struct {
    const char *start, *end, *name;
    enum rmap_kind kind;
} pairs[] = {
    {"_heap_start", "_heap_end", "heap (ld)", RMAP_K_HEAP},
    {"__GcHeapStart", "__GcHeapEnd", "gc-heap (ld)", RMAP_K_HEAP},
    {"_sstack", "_estack", "stack (ld)", RMAP_K_STACK},
    {"__StackLimit", "__StackTop", "stack (ld)", RMAP_K_STACK},
    {"_fs_start", "_fs_end", "filesystem (ld)", RMAP_K_FILESYSTEM},
    {"_micropy_hw_internal_flash_storage_start",
     "_micropy_hw_internal_flash_storage_end", "filesystem (ld)",
     RMAP_K_FILESYSTEM},
    {"_micropy_hw_romfs_part0_start", NULL, "romfs (ld)", RMAP_K_FILESYSTEM},
    {"_ram_start", "_ram_end", "ram (ld)", RMAP_K_RAM},
};

void mapsrc_add_ld(struct rmap *map, const struct ldscript *ld)
{
    for (size_t i = 0; i < ldscript_region_count(ld); i++) {
        const struct ldscript_region *lr = ldscript_region(ld, i);
        struct rmap_region r;
        memset(&r, 0, sizeof r);
        if (lr->length == 0) {
            rmap_note(map, "linker script region %s at 0x%08llx is empty",
                      lr->name, (unsigned long long)lr->origin);
            continue;
        }
        if (lr->origin > 0xffffffffULL || lr->origin + lr->length > 0x100000000ULL) {
            rmap_note(map, "linker script region %s does not fit 32-bit "
                      "addresses", lr->name);
            continue;
        }
        snprintf(r.name, sizeof r.name, "%s", lr->name);
        r.start = (uint32_t)lr->origin;
        r.end = lr->origin + lr->length;
        r.attrs = attrs_of(lr->attrs);
        r.kind = mapsrc_guess_kind(lr->name);
        r.source = RMAP_S_LD;
        r.access = RMAP_ACC_UNKNOWN;
        snprintf(r.notes, sizeof r.notes, "%s:%u", lr->file ? lr->file : "?",
                 lr->line);
        rmap_add(map, &r);
    }
    for (size_t i = 0; i < ldscript_alias_count(ld); i++) {
        const char *alias, *target;
        ldscript_alias(ld, i, &alias, &target);
        rmap_note(map, "linker script: REGION_ALIAS %s = %s", alias, target);
    }
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const struct ldscript_symbol *a = ldscript_find_symbol(ld, pairs[i].start);
        const struct ldscript_symbol *b =
            pairs[i].end ? ldscript_find_symbol(ld, pairs[i].end) : NULL;
        if (a == NULL || !a->known || b == NULL || !b->known) {
            continue;
        }
        if (b->value <= a->value || b->value > 0x100000000ULL) {
            continue;
        }
        struct rmap_region r;
        memset(&r, 0, sizeof r);
        snprintf(r.name, sizeof r.name, "%s", pairs[i].name);
        r.start = (uint32_t)a->value;
        r.end = b->value;
        r.attrs = RMAP_A_R | RMAP_A_W;
        r.kind = pairs[i].kind;
        r.source = RMAP_S_LD;
        r.access = RMAP_ACC_UNKNOWN;
        snprintf(r.notes, sizeof r.notes, "%s .. %s", pairs[i].start, pairs[i].end);
        rmap_add(map, &r);
    }
}

static void add_image_region(struct rmap *map, const char *name, uint32_t start,
                             uint32_t size, unsigned attrs, enum rmap_kind kind,
                             const char *note)
{
    if (size == 0 || (uint64_t)start + size > 0x100000000ULL) {
        return;
    }
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    r.start = start;
    r.end = (uint64_t)start + size;
    r.attrs = attrs;
    r.kind = kind;
    r.source = RMAP_S_IMAGE;
    r.access = RMAP_ACC_UNKNOWN;
    snprintf(r.notes, sizeof r.notes, "%s", note);
    rmap_add(map, &r);
}

void mapsrc_add_image(struct rmap *map, const struct image *img)
{
    const char *base = strrchr(img->path, '/');
    base = base != NULL ? base + 1 : img->path;
    if (img->nsects == 0) {
        for (size_t i = 0; i < img->nsegs; i++) {
            char name[48];
            if (img->nsegs == 1) {
                snprintf(name, sizeof name, "%.47s", base);
            } else {
                snprintf(name, sizeof name, "%.34s #%u", base, (unsigned)(i + 1));
            }
            char note[200];
            snprintf(note, sizeof note, "%.160s: %s image bytes", img->path,
                     image_kind_name(img->kind));
            add_image_region(map, name, img->segs[i].addr, img->segs[i].len,
                             RMAP_A_R, RMAP_K_FLASH, note);
        }
        return;
    }
    for (size_t i = 0; i < img->nsects; i++) {
        const struct image_sect *s = &img->sects[i];
        unsigned attrs = RMAP_A_R;
        if (s->flags & IMAGE_SF_WRITE) {
            attrs |= RMAP_A_W;
        }
        if (s->flags & IMAGE_SF_EXEC) {
            attrs |= RMAP_A_X;
        }
        enum rmap_kind kind = (s->flags & (IMAGE_SF_WRITE | IMAGE_SF_NOBITS))
                              ? RMAP_K_RAM : RMAP_K_FLASH;
        char note[200];
        snprintf(note, sizeof note, "%.160s: ELF section%s", img->path,
                 (s->flags & IMAGE_SF_NOBITS) ? ", no bytes in the file" : "");
        add_image_region(map, s->name, s->addr, s->size, attrs, kind, note);
        if (s->load != s->addr && !(s->flags & IMAGE_SF_NOBITS)) {
            char name[48];
            snprintf(name, sizeof name, "%.40s (load)", s->name);
            snprintf(note, sizeof note, "%.100s: the stored copy of %.40s, "
                     "copied to 0x%08x at start-up", img->path, s->name,
                     (unsigned)s->addr);
            add_image_region(map, name, s->load, s->size, RMAP_A_R,
                             RMAP_K_FLASH, note);
        }
    }
}
