/*
 * mapsrc.c: linker-script regions and symbols into the map (see mapsrc.h).
 */
#include "mapsrc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "ldscript.h"
#include "profile.h"

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
                             const char *note, int kind_guess)
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
    r.kind_guess = kind_guess;
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
                             RMAP_A_R, RMAP_K_FLASH, note, 1);
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
        add_image_region(map, s->name, s->addr, s->size, attrs, kind, note, 0);
        if (s->load != s->addr && !(s->flags & IMAGE_SF_NOBITS)) {
            char name[48];
            snprintf(name, sizeof name, "%.40s (load)", s->name);
            snprintf(note, sizeof note, "%.100s: the stored copy of %.40s, "
                     "copied to 0x%08x at start-up", img->path, s->name,
                     (unsigned)s->addr);
            add_image_region(map, name, s->load, s->size, RMAP_A_R,
                             RMAP_K_FLASH, note, 0);
        }
    }
}

/* Is [a, a+n) inside one region of p of a kind that holds stored bytes? */
static const struct profile_region *stored_region(const struct profile *p,
                                                  uint32_t a, uint64_t n)
{
    for (size_t i = 0; i < p->nregions; i++) {
        const struct profile_region *r = &p->regions[i];
        if ((r->kind == RMAP_K_FLASH || r->kind == RMAP_K_ROM ||
             r->kind == RMAP_K_FILESYSTEM) &&
            r->start <= a && (uint64_t)a + n <= (uint64_t)r->start + r->size) {
            return r;
        }
    }
    return NULL;
}

static int image_fits(const struct profile *p, const struct image *img)
{
    if (img->nsegs == 0) {
        return 0;
    }
    const struct image_seg *first = NULL;
    int chip_config = 0;
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct image_seg *g = &img->segs[i];
        if (g->len == 0) {
            continue;
        }
        const struct profile_region *r = stored_region(p, g->addr, g->len);
        if (r == NULL) {
            return 0;
        }
        chip_config |= r->kind == RMAP_K_ROM;
        if (first == NULL || g->addr < first->addr) {
            first = g;
        }
    }
    if (!chip_config || first == NULL || first->len < 8 || first->data == NULL) {
        return 0;
    }
    const struct profile_region *fl = stored_region(p, first->addr, first->len);
    if (fl == NULL || fl->kind != RMAP_K_FLASH || fl->start != first->addr) {
        return 0;
    }
    const uint8_t *d = first->data;
    uint32_t sp = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                  (uint32_t)d[3] << 24;
    uint32_t reset = (uint32_t)d[4] | (uint32_t)d[5] << 8 | (uint32_t)d[6] << 16 |
                     (uint32_t)d[7] << 24;
    int sp_ok = 0;
    for (size_t i = 0; i < p->nregions && !sp_ok; i++) {
        const struct profile_region *r = &p->regions[i];
        uint64_t end = (uint64_t)r->start + r->size;
        /* the top of RAM, or just below it (a reserve of up to 4 KiB) */
        sp_ok = r->kind == RMAP_K_RAM && (sp & 3) == 0 && sp > r->start &&
                sp <= end && end - sp <= 4096;
    }
    if (!sp_ok || (reset & 1) == 0) {
        return 0;
    }
    uint32_t entry = reset & ~1u;
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct image_seg *g = &img->segs[i];
        if (entry >= g->addr && (uint64_t)entry < (uint64_t)g->addr + g->len) {
            return 1;
        }
    }
    return 0;
}

size_t mapsrc_image_boards(const struct profile_set *set, const struct image *img,
                           char *out, size_t size)
{
    size_t n = 0, o = 0;
    if (size > 0) {
        out[0] = 0;
    }
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        if (!image_fits(&set->p[i], img)) {
            continue;
        }
        if (o < size) {
            int w = snprintf(out + o, size - o, "%s%s", n ? ", " : "",
                             set->p[i].name);
            o += w > 0 ? (size_t)w : 0;
        }
        n++;
    }
    return n;
}
