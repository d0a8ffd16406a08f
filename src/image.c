/*
 * image.c: firmware images on the host: ELF, Intel HEX, raw binary (see
 * image.h).
 *
 * The whole file is read into memory (at most IMAGE_MAX_FILE bytes) and
 * everything an image keeps is copied out of it into one private store:
 * the load bytes (segments sorted by address, adjacent ones merged), the
 * sections, and the symbols with their names in one string pool.  The
 * file copy is freed before image_load returns.
 *
 * ELF files are read with libelf (elf_memory on a private copy), but
 * libelf is lenient about offsets, so every table and section is checked
 * against the file size here before libelf is asked for it.
 *
 * Symbol lookups: syms are sorted by (address, name); by_name holds them
 * sorted by (name, global first) for image_sym_find; spans cut the
 * address space into pieces that each have one innermost sized symbol
 * (or none), built by a sweep with a heap, so image_sym_at is one binary
 * search however symbols nest or overlap.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ihex.h"

#define IMAGE_MAX_FILE (256u << 20)
#define IMAGE_MAX_BYTES (256u << 20)
#define ADDR_LIMIT 0x100000000ULL
#define NO_SYM UINT32_MAX

/* A piece of the address space [start, next span's start) whose innermost
 * sized symbol is syms[sym] (NO_SYM: none). */
struct span {
    uint64_t start;
    uint32_t sym;
};

struct store {
    uint8_t *bytes;
    char *names;
    const struct image_sym **by_name;
    struct span *spans;
    size_t nspans;
    uint64_t total;
};

/* A load segment before it is copied: file offset and length. */
struct lseg {
    uint32_t addr;
    uint32_t len;
    size_t off;
    size_t phdr;
};

/* A symbol before its name has a final address. */
struct tsym {
    uint32_t addr;
    uint32_t size;
    enum image_symtype type;
    int global;
    size_t name;    /* offset in the name pool */
};

const char *image_kind_name(enum image_kind k)
{
    switch (k) {
    case IMAGE_ELF: return "ELF";
    case IMAGE_HEX: return "Intel HEX";
    case IMAGE_BIN: return "raw binary";
    case IMAGE_UF2: return "UF2";
    case IMAGE_SNAP: return "mpeek snapshot";
    }
    return "?";
}

void image_free(struct image *img)
{
    if (img == NULL) {
        return;
    }
    struct store *st = img->store;
    if (st != NULL) {
        free(st->bytes);
        free(st->names);
        free(st->by_name);
        free(st->spans);
        free(st);
    }
    free(img->segs);
    free(img->sects);
    free(img->syms);
    free(img);
}

/* ---- segments ---------------------------------------------------------- */

static int cmp_lseg(const void *a, const void *b)
{
    const struct lseg *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->phdr < y->phdr ? -1 : x->phdr > y->phdr;
}

/* Copy n load segments (len > 0, addr + len <= 2^32) out of file into the
 * image: sorted, checked for overlap, adjacent ones merged. */
static int take_segs(struct image *img, struct lseg *ls, size_t n,
                     const uint8_t *file, const char *name,
                     struct rc_msg *msg)
{
    struct store *st = img->store;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += ls[i].len;
    }
    if (total > IMAGE_MAX_BYTES) {
        return rc_set(msg, RC_PARSE, "%s: the load segments hold 0x%llx "
                      "bytes, more than 256 MiB", name,
                      (unsigned long long)total);
    }
    if (n > 1) {
        qsort(ls, n, sizeof *ls, cmp_lseg);
    }
    for (size_t i = 1; i < n; i++) {
        if ((uint64_t)ls[i - 1].addr + ls[i - 1].len > ls[i].addr) {
            return rc_set(msg, RC_PARSE, "%s: load segments overlap at "
                          "0x%08x (program headers %zu and %zu)", name,
                          (unsigned)ls[i].addr, ls[i - 1].phdr, ls[i].phdr);
        }
    }
    st->bytes = malloc(total ? (size_t)total : 1);
    img->segs = calloc(n ? n : 1, sizeof *img->segs);
    if (st->bytes == NULL || img->segs == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(st->bytes + pos, file + ls[i].off, ls[i].len);
        struct image_seg *last = img->nsegs ? &img->segs[img->nsegs - 1] : NULL;
        if (last != NULL && (uint64_t)last->addr + last->len == ls[i].addr) {
            last->len += ls[i].len;
        } else {
            img->segs[img->nsegs++] =
                (struct image_seg){ls[i].addr, ls[i].len, st->bytes + pos};
        }
        pos += ls[i].len;
    }
    st->total = total;
    return RC_OK;
}

/* ---- symbols ----------------------------------------------------------- */

static int cmp_sym(const void *a, const void *b)
{
    const struct image_sym *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    int c = strcmp(x->name, y->name);
    if (c != 0) {
        return c;
    }
    if (x->global != y->global) {
        return x->global ? -1 : 1;
    }
    if (x->size != y->size) {
        return x->size < y->size ? -1 : 1;
    }
    return (int)x->type - (int)y->type;
}

static int cmp_by_name(const void *a, const void *b)
{
    const struct image_sym *x = *(const struct image_sym *const *)a;
    const struct image_sym *y = *(const struct image_sym *const *)b;
    int c = strcmp(x->name, y->name);
    if (c != 0) {
        return c;
    }
    if (x->global != y->global) {
        return x->global ? -1 : 1;
    }
    return x < y ? -1 : x > y;
}

/* 1 when syms[i] is a better answer for image_sym_at than syms[j] (both
 * covering the address): smaller, then starting later, then global, then
 * first in order. */
static int sym_better(const struct image_sym *syms, uint32_t i, uint32_t j)
{
    const struct image_sym *x = &syms[i], *y = &syms[j];
    if (x->size != y->size) {
        return x->size < y->size;
    }
    if (x->addr != y->addr) {
        return x->addr > y->addr;
    }
    if (x->global != y->global) {
        return x->global > y->global;
    }
    return i < j;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void heap_push(const struct image_sym *syms, uint32_t *h, size_t *n,
                      uint32_t v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!sym_better(syms, h[i], h[p])) {
            break;
        }
        uint32_t t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static void heap_pop(const struct image_sym *syms, uint32_t *h, size_t *n)
{
    h[0] = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < *n && sym_better(syms, h[l], h[best])) {
            best = l;
        }
        if (r < *n && sym_better(syms, h[r], h[best])) {
            best = r;
        }
        if (best == i) {
            break;
        }
        uint32_t t = h[i];
        h[i] = h[best];
        h[best] = t;
        i = best;
    }
}

/* Build the spans for image_sym_at: sweep the sorted start and end points
 * with a heap of the symbols started so far (best on top; ended ones are
 * dropped when they reach the top). */
static int build_spans(struct image *img)
{
    struct store *st = img->store;
    size_t m = 0;
    for (size_t i = 0; i < img->nsyms; i++) {
        m += img->syms[i].size > 0;
    }
    if (m == 0) {
        return RC_OK;
    }
    uint64_t *pts = malloc(2 * m * sizeof *pts);
    uint32_t *heap = malloc(m * sizeof *heap);
    st->spans = malloc(2 * m * sizeof *st->spans);
    if (pts == NULL || heap == NULL || st->spans == NULL) {
        free(pts);
        free(heap);
        return RC_NOMEM;
    }
    size_t np = 0;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->size > 0) {
            pts[np++] = s->addr;
            pts[np++] = (uint64_t)s->addr + s->size;
        }
    }
    qsort(pts, np, sizeof *pts, cmp_u64);
    size_t nh = 0, next = 0;
    for (size_t k = 0; k < np; k++) {
        if (k > 0 && pts[k] == pts[k - 1]) {
            continue;
        }
        while (next < img->nsyms && img->syms[next].addr <= pts[k]) {
            if (img->syms[next].size > 0) {
                heap_push(img->syms, heap, &nh, (uint32_t)next);
            }
            next++;
        }
        while (nh > 0 && (uint64_t)img->syms[heap[0]].addr +
                             img->syms[heap[0]].size <= pts[k]) {
            heap_pop(img->syms, heap, &nh);
        }
        uint32_t top = nh > 0 ? heap[0] : NO_SYM;
        if (st->nspans > 0 && st->spans[st->nspans - 1].sym == top) {
            continue;
        }
        st->spans[st->nspans++] = (struct span){pts[k], top};
    }
    free(pts);
    free(heap);
    return RC_OK;
}

/* Turn the collected symbols into img->syms (sorted) and the indexes. */
static int take_syms(struct image *img, const struct tsym *ts, size_t n,
                     struct buf *pool, const char *name, struct rc_msg *msg)
{
    struct store *st = img->store;
    if (n == 0) {
        return RC_OK;
    }
    /* The pool becomes the image's; buf keeps it NUL-terminated. */
    st->names = (char *)pool->data;
    pool->data = NULL;
    pool->len = pool->cap = 0;
    img->syms = calloc(n, sizeof *img->syms);
    st->by_name = calloc(n, sizeof *st->by_name);
    if (img->syms == NULL || st->by_name == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    for (size_t i = 0; i < n; i++) {
        img->syms[i] = (struct image_sym){st->names + ts[i].name, ts[i].addr,
                                          ts[i].size, ts[i].type,
                                          ts[i].global};
    }
    img->nsyms = n;
    qsort(img->syms, n, sizeof *img->syms, cmp_sym);
    for (size_t i = 0; i < n; i++) {
        st->by_name[i] = &img->syms[i];
    }
    qsort(st->by_name, n, sizeof *st->by_name, cmp_by_name);
    if (build_spans(img) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    return RC_OK;
}

/* ---- ELF --------------------------------------------------------------- */

static uint64_t rd(const uint8_t *p, unsigned n, int big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    }
    return v;
}

/* 1 when [off, off+size) lies inside a file of len bytes. */
static int in_file(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

/* ARM (and AArch64, RISC-V) mapping symbols: $a, $t, $d, $x, optionally
 * followed by ".anything". */
static int is_mapping_sym(const char *s)
{
    return s[0] == '$' && s[1] != 0 && strchr("atdx", s[1]) != NULL &&
           (s[2] == 0 || s[2] == '.');
}

/* The ELF header's table fields, read by hand so that they can be checked
 * before libelf trusts them. */
static int check_ehdr(const uint8_t *d, size_t len, const char *name,
                      struct rc_msg *msg)
{
    if (len < EI_NIDENT) {
        return rc_set(msg, RC_PARSE, "%s: truncated: %zu bytes are too few "
                      "for an ELF header", name, len);
    }
    unsigned cls = d[EI_CLASS], data = d[EI_DATA];
    if (cls != ELFCLASS32 && cls != ELFCLASS64) {
        return rc_set(msg, RC_PARSE, "%s: unknown ELF class %u (neither "
                      "32- nor 64-bit)", name, cls);
    }
    if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
        return rc_set(msg, RC_PARSE, "%s: unknown ELF byte order %u (neither "
                      "little- nor big-endian)", name, data);
    }
    if (d[EI_VERSION] != EV_CURRENT) {
        return rc_set(msg, RC_PARSE, "%s: unknown ELF version %u", name,
                      (unsigned)d[EI_VERSION]);
    }
    int is64 = cls == ELFCLASS64, big = data == ELFDATA2MSB;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (len < ehsize) {
        return rc_set(msg, RC_PARSE, "%s: truncated: the ELF header needs "
                      "%zu bytes, the file has %zu", name, ehsize, len);
    }
    unsigned w = is64 ? 8 : 4;
    size_t o = 24 + w; /* e_phoff */
    uint64_t phoff = rd(d + o, w, big);
    uint64_t shoff = rd(d + o + w, w, big);
    o += 2 * w + 4 + 2; /* e_flags, e_ehsize */
    uint64_t phentsize = rd(d + o, 2, big), phnum = rd(d + o + 2, 2, big);
    uint64_t shentsize = rd(d + o + 4, 2, big), shnum = rd(d + o + 6, 2, big);
    size_t want_ph = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t want_sh = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (phnum > 0 && phentsize != want_ph) {
        return rc_set(msg, RC_PARSE, "%s: program header size is %u, not %zu",
                      name, (unsigned)phentsize, want_ph);
    }
    if (phnum > 0 && phnum != PN_XNUM && !in_file(phoff, phnum * phentsize, len)) {
        return rc_set(msg, RC_PARSE, "%s: truncated: the program header table "
                      "runs past the end of the file (offset 0x%llx + %u * "
                      "%u > 0x%zx)", name, (unsigned long long)phoff,
                      (unsigned)phnum, (unsigned)phentsize, len);
    }
    if (shoff != 0) {
        if (shentsize != want_sh) {
            return rc_set(msg, RC_PARSE, "%s: section header size is %u, not "
                          "%zu", name, (unsigned)shentsize, want_sh);
        }
        uint64_t n = shnum ? shnum : 1;
        if (!in_file(shoff, n * shentsize, len)) {
            return rc_set(msg, RC_PARSE, "%s: truncated: the section header "
                          "table runs past the end of the file (offset 0x%llx "
                          "+ %u * %u > 0x%zx)", name,
                          (unsigned long long)shoff, (unsigned)n,
                          (unsigned)shentsize, len);
        }
    }
    return RC_OK;
}

/* s as it may appear in a one-line message: control bytes become '?'. */
static void printable(char *out, size_t outsz, const char *s)
{
    size_t n = 0;
    for (; s[n] != 0 && n + 1 < outsz; n++) {
        unsigned char ch = (unsigned char)s[n];
        out[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    out[n] = 0;
}

/* One section's name (control bytes shown as '?'), or "#N" when the file
 * has no section name table. */
static int sect_name(Elf *elf, size_t shstrndx, const GElf_Shdr *sh,
                     size_t shstrsize, size_t idx, char *out, size_t outsz,
                     const char *name, struct rc_msg *msg)
{
    if (shstrndx == 0) {
        snprintf(out, outsz, "#%zu", idx);
        return RC_OK;
    }
    const char *s = NULL;
    if (sh->sh_name < shstrsize) {
        s = elf_strptr(elf, shstrndx, sh->sh_name);
    }
    if (s == NULL) {
        return rc_set(msg, RC_PARSE, "%s: section %zu: name offset 0x%x is "
                      "outside the section name table (size 0x%zx)", name,
                      idx, (unsigned)sh->sh_name, shstrsize);
    }
    printable(out, outsz, s);
    return RC_OK;
}

struct elfctx {
    Elf *elf;
    const uint8_t *d;
    size_t len;
    const char *name;
    struct rc_msg *msg;
    int arm;
    size_t shnum;
    size_t shstrndx;
    size_t shstrsize;
    GElf_Phdr *ph;          /* the program headers */
    size_t phnum;
};

static int libelf_fail(const struct elfctx *c, const char *what)
{
    return rc_set(c->msg, RC_PARSE, "%s: %s: %s", c->name, what,
                  elf_errmsg(-1));
}

/* The load address of a section: from the PT_LOAD holding its file bytes,
 * or (for .bss) the one holding its run address; else its run address. */
static uint64_t sect_load(const struct elfctx *c, const GElf_Shdr *sh)
{
    for (size_t i = 0; i < c->phnum; i++) {
        const GElf_Phdr *p = &c->ph[i];
        if (p->p_type != PT_LOAD) {
            continue;
        }
        if (sh->sh_type != SHT_NOBITS && sh->sh_offset >= p->p_offset &&
            sh->sh_offset - p->p_offset < p->p_filesz &&
            sh->sh_addr >= p->p_vaddr &&
            sh->sh_addr - p->p_vaddr < p->p_memsz) {
            return p->p_paddr + (sh->sh_offset - p->p_offset);
        }
    }
    for (size_t i = 0; i < c->phnum; i++) {
        const GElf_Phdr *p = &c->ph[i];
        if (p->p_type == PT_LOAD && sh->sh_addr >= p->p_vaddr &&
            sh->sh_addr - p->p_vaddr < p->p_memsz) {
            return p->p_paddr + (sh->sh_addr - p->p_vaddr);
        }
    }
    return sh->sh_addr;
}

static int elf_segments(struct image *img, struct elfctx *c)
{
    int rc;
    if (elf_getphdrnum(c->elf, &c->phnum) != 0) {
        return libelf_fail(c, "program headers");
    }
    if (c->phnum == 0) {
        return take_segs(img, NULL, 0, c->d, c->name, c->msg);
    }
    GElf_Ehdr eh;
    if (gelf_getehdr(c->elf, &eh) == NULL) {
        return libelf_fail(c, "ELF header");
    }
    size_t phsz = gelf_fsize(c->elf, ELF_T_PHDR, 1, EV_CURRENT);
    if (!in_file(eh.e_phoff, (uint64_t)c->phnum * phsz, c->len)) {
        return rc_set(c->msg, RC_PARSE, "%s: truncated: the program header "
                      "table runs past the end of the file (offset 0x%llx + "
                      "%zu * %zu > 0x%zx)", c->name,
                      (unsigned long long)eh.e_phoff, c->phnum, phsz, c->len);
    }
    c->ph = calloc(c->phnum, sizeof *c->ph);
    struct lseg *ls = calloc(c->phnum, sizeof *ls);
    if (c->ph == NULL || ls == NULL) {
        free(ls);
        return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
    }
    size_t n = 0;
    for (size_t i = 0; i < c->phnum; i++) {
        GElf_Phdr *p = &c->ph[i];
        if (gelf_getphdr(c->elf, (int)i, p) == NULL) {
            free(ls);
            return libelf_fail(c, "program header");
        }
        if (p->p_type != PT_LOAD) {
            continue;
        }
        if (p->p_filesz > p->p_memsz) {
            rc = rc_set(c->msg, RC_PARSE, "%s: program header %zu: file size "
                        "0x%llx is larger than memory size 0x%llx", c->name, i,
                        (unsigned long long)p->p_filesz,
                        (unsigned long long)p->p_memsz);
            goto fail;
        }
        if (p->p_filesz > 0 && !in_file(p->p_offset, p->p_filesz, c->len)) {
            rc = rc_set(c->msg, RC_PARSE, "%s: truncated: program header %zu "
                        "runs past the end of the file (offset 0x%llx + 0x%llx "
                        "> 0x%zx)", c->name, i,
                        (unsigned long long)p->p_offset,
                        (unsigned long long)p->p_filesz, c->len);
            goto fail;
        }
        if (p->p_paddr >= ADDR_LIMIT || p->p_filesz > ADDR_LIMIT - p->p_paddr) {
            rc = rc_set(c->msg, RC_PARSE, "%s: program header %zu: load "
                        "address 0x%llx + 0x%llx runs past 4 GiB", c->name, i,
                        (unsigned long long)p->p_paddr,
                        (unsigned long long)p->p_filesz);
            goto fail;
        }
        if (p->p_vaddr >= ADDR_LIMIT || p->p_memsz > ADDR_LIMIT - p->p_vaddr) {
            rc = rc_set(c->msg, RC_PARSE, "%s: program header %zu: address "
                        "0x%llx + 0x%llx runs past 4 GiB", c->name, i,
                        (unsigned long long)p->p_vaddr,
                        (unsigned long long)p->p_memsz);
            goto fail;
        }
        if (p->p_filesz > 0) {
            ls[n++] = (struct lseg){(uint32_t)p->p_paddr, (uint32_t)p->p_filesz,
                                    (size_t)p->p_offset, i};
        }
    }
    rc = take_segs(img, ls, n, c->d, c->name, c->msg);
fail:
    free(ls);
    return rc;
}

static int elf_sections(struct image *img, struct elfctx *c, Elf_Scn **symtab)
{
    *symtab = NULL;
    if (elf_getshdrnum(c->elf, &c->shnum) != 0) {
        return libelf_fail(c, "section headers");
    }
    if (c->shnum == 0) {
        return RC_OK;
    }
    GElf_Ehdr eh;
    if (gelf_getehdr(c->elf, &eh) == NULL) {
        return libelf_fail(c, "ELF header");
    }
    size_t shsz = gelf_fsize(c->elf, ELF_T_SHDR, 1, EV_CURRENT);
    if (!in_file(eh.e_shoff, (uint64_t)c->shnum * shsz, c->len)) {
        return rc_set(c->msg, RC_PARSE, "%s: truncated: the section header "
                      "table runs past the end of the file (offset 0x%llx + "
                      "%zu * %zu > 0x%zx)", c->name,
                      (unsigned long long)eh.e_shoff, c->shnum, shsz, c->len);
    }
    if (elf_getshdrstrndx(c->elf, &c->shstrndx) != 0) {
        return libelf_fail(c, "section name table");
    }
    if (c->shstrndx >= c->shnum) {
        return rc_set(c->msg, RC_PARSE, "%s: section name table index %zu is "
                      "out of range (%zu sections)", c->name, c->shstrndx,
                      c->shnum);
    }
    if (c->shstrndx != 0) {
        GElf_Shdr sh;
        Elf_Scn *scn = elf_getscn(c->elf, c->shstrndx);
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) {
            return libelf_fail(c, "section name table");
        }
        if (sh.sh_type != SHT_STRTAB) {
            return rc_set(c->msg, RC_PARSE, "%s: section name table (section "
                          "%zu) is not a string table", c->name, c->shstrndx);
        }
        if (!in_file(sh.sh_offset, sh.sh_size, c->len)) {
            return rc_set(c->msg, RC_PARSE, "%s: truncated: the section name "
                          "table runs past the end of the file (offset 0x%llx "
                          "+ 0x%llx > 0x%zx)", c->name,
                          (unsigned long long)sh.sh_offset,
                          (unsigned long long)sh.sh_size, c->len);
        }
        c->shstrsize = (size_t)sh.sh_size;
    }
    /* Every section's bytes must lie in the file. */
    for (size_t i = 1; i < c->shnum; i++) {
        GElf_Shdr sh;
        Elf_Scn *scn = elf_getscn(c->elf, i);
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) {
            return libelf_fail(c, "section header");
        }
        if (sh.sh_type != SHT_NOBITS && sh.sh_size > 0 &&
            !in_file(sh.sh_offset, sh.sh_size, c->len)) {
            char nm[48];
            if (sect_name(c->elf, c->shstrndx, &sh, c->shstrsize, i, nm,
                          sizeof nm, c->name, NULL) != RC_OK) {
                snprintf(nm, sizeof nm, "#%zu", i);
            }
            return rc_set(c->msg, RC_PARSE, "%s: truncated: section %s runs "
                          "past the end of the file (offset 0x%llx + 0x%llx "
                          "> 0x%zx)", c->name, nm,
                          (unsigned long long)sh.sh_offset,
                          (unsigned long long)sh.sh_size, c->len);
        }
    }
    img->sects = calloc(c->shnum, sizeof *img->sects);
    if (img->sects == NULL) {
        return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
    }
    for (size_t i = 1; i < c->shnum; i++) {
        GElf_Shdr sh;
        Elf_Scn *scn = elf_getscn(c->elf, i);
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL) {
            return libelf_fail(c, "section header");
        }
        struct image_sect s = {0};
        int rc = sect_name(c->elf, c->shstrndx, &sh, c->shstrsize, i, s.name,
                           sizeof s.name, c->name, c->msg);
        if (rc != RC_OK) {
            return rc;
        }
        if (sh.sh_type == SHT_SYMTAB && *symtab == NULL) {
            *symtab = scn;
        }
        if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0) {
            continue;
        }
        if (sh.sh_addr >= ADDR_LIMIT || sh.sh_size > ADDR_LIMIT - sh.sh_addr) {
            return rc_set(c->msg, RC_PARSE, "%s: section %s at 0x%llx + 0x%llx "
                          "runs past 4 GiB", c->name, s.name,
                          (unsigned long long)sh.sh_addr,
                          (unsigned long long)sh.sh_size);
        }
        uint64_t load = sect_load(c, &sh);
        if (load >= ADDR_LIMIT || sh.sh_size > ADDR_LIMIT - load) {
            return rc_set(c->msg, RC_PARSE, "%s: section %s: load address "
                          "0x%llx + 0x%llx runs past 4 GiB", c->name, s.name,
                          (unsigned long long)load,
                          (unsigned long long)sh.sh_size);
        }
        s.addr = (uint32_t)sh.sh_addr;
        s.size = (uint32_t)sh.sh_size;
        s.load = (uint32_t)load;
        s.flags = ((sh.sh_flags & SHF_WRITE) ? IMAGE_SF_WRITE : 0) |
                  ((sh.sh_flags & SHF_EXECINSTR) ? IMAGE_SF_EXEC : 0) |
                  (sh.sh_type == SHT_NOBITS ? IMAGE_SF_NOBITS : 0);
        img->sects[img->nsects++] = s;
    }
    return RC_OK;
}

static int elf_symbols(struct image *img, struct elfctx *c, Elf_Scn *scn)
{
    if (scn == NULL) {
        return RC_OK;
    }
    GElf_Shdr sh, strsh;
    if (gelf_getshdr(scn, &sh) == NULL) {
        return libelf_fail(c, "symbol table");
    }
    size_t symsz = gelf_fsize(c->elf, ELF_T_SYM, 1, EV_CURRENT);
    if (sh.sh_entsize != symsz || sh.sh_size % symsz != 0) {
        return rc_set(c->msg, RC_PARSE, "%s: symbol table: entry size %llu "
                      "and size 0x%llx do not fit %zu-byte symbols", c->name,
                      (unsigned long long)sh.sh_entsize,
                      (unsigned long long)sh.sh_size, symsz);
    }
    if (sh.sh_link == 0 || sh.sh_link >= c->shnum) {
        return rc_set(c->msg, RC_PARSE, "%s: symbol table: string table index "
                      "%u is out of range (%zu sections)", c->name,
                      (unsigned)sh.sh_link, c->shnum);
    }
    Elf_Scn *strscn = elf_getscn(c->elf, sh.sh_link);
    if (strscn == NULL || gelf_getshdr(strscn, &strsh) == NULL) {
        return libelf_fail(c, "symbol string table");
    }
    if (strsh.sh_type != SHT_STRTAB) {
        return rc_set(c->msg, RC_PARSE, "%s: symbol table: section %u is not "
                      "a string table", c->name, (unsigned)sh.sh_link);
    }
    size_t nsyms = (size_t)(sh.sh_size / symsz);
    if (nsyms == 0) {
        return RC_OK;
    }
    Elf_Data *data = elf_getdata(scn, NULL);
    if (data == NULL || data->d_size < nsyms * symsz) {
        return libelf_fail(c, "symbol table");
    }
    struct tsym *ts = calloc(nsyms, sizeof *ts);
    struct buf pool;
    buf_init(&pool);
    if (ts == NULL) {
        return rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
    }
    int rc = RC_OK;
    size_t n = 0;
    for (size_t i = 1; i < nsyms; i++) {
        GElf_Sym sym;
        if (gelf_getsym(data, (int)i, &sym) == NULL) {
            rc = libelf_fail(c, "symbol table");
            goto done;
        }
        int type = GELF_ST_TYPE(sym.st_info);
        int bind = GELF_ST_BIND(sym.st_info);
        if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) {
            continue;
        }
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_COMMON) {
            continue;
        }
        if (sym.st_name == 0) {
            continue;
        }
        const char *nm = NULL;
        if (sym.st_name < strsh.sh_size) {
            nm = elf_strptr(c->elf, sh.sh_link, sym.st_name);
        }
        if (nm == NULL) {
            rc = rc_set(c->msg, RC_PARSE, "%s: symbol %zu: name offset 0x%x "
                        "is outside its string table (size 0x%llx)", c->name,
                        i, (unsigned)sym.st_name,
                        (unsigned long long)strsh.sh_size);
            goto done;
        }
        if (nm[0] == 0 || is_mapping_sym(nm)) {
            continue;
        }
        uint64_t addr = sym.st_value;
        if (type == STT_FUNC && c->arm) {
            addr &= ~(uint64_t)1;
        }
        if (addr >= ADDR_LIMIT || sym.st_size > ADDR_LIMIT - addr) {
            char pn[64];
            printable(pn, sizeof pn, nm);
            rc = rc_set(c->msg, RC_PARSE, "%s: symbol %s at 0x%llx + 0x%llx "
                        "runs past 4 GiB", c->name, pn,
                        (unsigned long long)addr,
                        (unsigned long long)sym.st_size);
            goto done;
        }
        ts[n] = (struct tsym){(uint32_t)addr, (uint32_t)sym.st_size,
                              type == STT_FUNC ? IMAGE_SYM_FUNC
                              : type == STT_OBJECT ? IMAGE_SYM_OBJECT
                                                   : IMAGE_SYM_OTHER,
                              bind == STB_GLOBAL || bind == STB_WEAK ||
                                  bind == STB_GNU_UNIQUE,
                              pool.len};
        buf_add(&pool, nm, strlen(nm) + 1);
        n++;
    }
    if (buf_failed(&pool)) {
        rc = rc_set(c->msg, RC_NOMEM, "%s: out of memory", c->name);
        goto done;
    }
    rc = take_syms(img, ts, n, &pool, c->name, c->msg);
done:
    free(ts);
    buf_fini(&pool);
    return rc;
}

static int load_elf(struct image *img, uint8_t *d, size_t len,
                    const char *name, struct rc_msg *msg)
{
    int rc = check_ehdr(d, len, name, msg);
    if (rc != RC_OK) {
        return rc;
    }
    struct elfctx c = {0};
    c.d = d;
    c.len = len;
    c.name = name;
    c.msg = msg;
    elf_version(EV_CURRENT);
    c.elf = elf_memory((char *)d, len);
    if (c.elf == NULL) {
        return libelf_fail(&c, "not a readable ELF file");
    }
    GElf_Ehdr eh;
    Elf_Scn *symtab = NULL;
    if (elf_kind(c.elf) != ELF_K_ELF || gelf_getehdr(c.elf, &eh) == NULL) {
        rc = libelf_fail(&c, "not a readable ELF file");
        goto done;
    }
    c.arm = eh.e_machine == EM_ARM;
    if (eh.e_entry >= ADDR_LIMIT) {
        rc = rc_set(msg, RC_PARSE, "%s: entry point 0x%llx is past 4 GiB",
                    name, (unsigned long long)eh.e_entry);
        goto done;
    }
    img->has_entry = eh.e_type == ET_EXEC || eh.e_entry != 0;
    img->entry = (uint32_t)eh.e_entry;
    rc = elf_segments(img, &c);
    if (rc == RC_OK) {
        rc = elf_sections(img, &c, &symtab);
    }
    if (rc == RC_OK) {
        rc = elf_symbols(img, &c, symtab);
    }
done:
    free(c.ph);
    elf_end(c.elf);
    return rc;
}

/* ---- HEX and raw ------------------------------------------------------- */

static int load_hex(struct image *img, const uint8_t *d, size_t len,
                    const char *name, struct rc_msg *msg)
{
    struct ihex h;
    int rc = ihex_parse((const char *)d, len, name, &h, msg);
    if (rc != RC_OK) {
        return rc;
    }
    struct lseg *ls = calloc(h.nsegs ? h.nsegs : 1, sizeof *ls);
    if (ls == NULL) {
        ihex_free(&h);
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    for (size_t i = 0; i < h.nsegs; i++) {
        ls[i] = (struct lseg){h.segs[i].addr, h.segs[i].len,
                              (size_t)(h.segs[i].data - h.bytes), i};
    }
    rc = take_segs(img, ls, h.nsegs, h.bytes, name, msg);
    img->has_entry = h.has_start;
    img->entry = h.start;
    free(ls);
    ihex_free(&h);
    return rc;
}

static int load_bin(struct image *img, const uint8_t *d, size_t len,
                    uint32_t base, const char *name, struct rc_msg *msg)
{
    if ((uint64_t)base + len > ADDR_LIMIT) {
        return rc_set(msg, RC_PARSE, "%s: 0x%zx bytes at 0x%08x run past 4 GiB "
                      "(to 0x%llx)", name, len, (unsigned)base,
                      (unsigned long long)((uint64_t)base + len));
    }
    struct lseg ls = {base, (uint32_t)len, 0, 0};
    return take_segs(img, &ls, 1, d, name, msg);
}

/* UF2: 512-byte blocks, each with its own target address. */
#define UF2_BLOCK 512u
#define UF2_MAGIC0 0x0A324655u
#define UF2_MAGIC1 0x9E5D5157u
#define UF2_MAGIC_END 0x0AB16F30u
#define UF2_NOT_MAIN_FLASH 0x00000001u
#define UF2_FILE_CONTAINER 0x00001000u
#define UF2_FAMILY_PRESENT 0x00002000u
#define UF2_PAYLOAD_MAX 476u

static int is_uf2(const uint8_t *d, size_t len)
{
    return len >= 8 && rd(d, 4, 0) == UF2_MAGIC0 && rd(d + 4, 4, 0) == UF2_MAGIC1;
}

static int load_uf2(struct image *img, const uint8_t *d, size_t len,
                    const char *name, struct rc_msg *msg)
{
    if (len % UF2_BLOCK != 0) {
        return rc_set(msg, RC_PARSE, "%s: truncated: a UF2 file is whole "
                      "512-byte blocks, this one has %zu bytes", name, len);
    }
    size_t n = len / UF2_BLOCK, k = 0;
    int have_family = 0;
    uint32_t family = 0;
    size_t family_block = 0;
    struct lseg *ls = calloc(n, sizeof *ls);
    if (ls == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    int rc = RC_OK;
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        const uint8_t *p = d + i * UF2_BLOCK;
        uint32_t flags = (uint32_t)rd(p + 8, 4, 0);
        uint32_t addr = (uint32_t)rd(p + 12, 4, 0);
        uint32_t size = (uint32_t)rd(p + 16, 4, 0);
        if (rd(p, 4, 0) != UF2_MAGIC0 || rd(p + 4, 4, 0) != UF2_MAGIC1 ||
            rd(p + 508, 4, 0) != UF2_MAGIC_END) {
            rc = rc_set(msg, RC_PARSE, "%s: UF2 block %zu (offset 0x%zx) has "
                        "bad magic numbers", name, i, i * UF2_BLOCK);
        } else if (flags & (UF2_NOT_MAIN_FLASH | UF2_FILE_CONTAINER)) {
            continue; /* not for the main flash, or a file's bytes */
        } else if ((flags & UF2_FAMILY_PRESENT) && have_family &&
                   (uint32_t)rd(p + 28, 4, 0) != family) {
            rc = rc_set(msg, RC_PARSE, "%s: the UF2 file holds images for "
                        "several chip families (0x%08x in block %zu, 0x%08x in "
                        "block %zu); split it, or give the .hex or .elf of the "
                        "one this board runs", name, (unsigned)family,
                        family_block, (unsigned)rd(p + 28, 4, 0), i);
        } else if (size > UF2_PAYLOAD_MAX) {
            rc = rc_set(msg, RC_PARSE, "%s: UF2 block %zu says it carries %u "
                        "bytes; a block holds at most %u", name, i,
                        (unsigned)size, UF2_PAYLOAD_MAX);
        } else if ((uint64_t)addr + size > ADDR_LIMIT) {
            rc = rc_set(msg, RC_PARSE, "%s: UF2 block %zu runs past 4 GiB "
                        "(0x%08x + %u)", name, i, (unsigned)addr, (unsigned)size);
        } else if (size > 0) {
            ls[k++] = (struct lseg){addr, size, i * UF2_BLOCK + 32, i};
        }
        if (rc == RC_OK && (flags & UF2_FAMILY_PRESENT) && !have_family &&
            !(flags & (UF2_NOT_MAIN_FLASH | UF2_FILE_CONTAINER))) {
            have_family = 1;
            family = (uint32_t)rd(p + 28, 4, 0);
            family_block = i;
        }
    }
    if (rc == RC_OK && k == 0) {
        rc = rc_set(msg, RC_PARSE, "%s: the UF2 file holds no bytes for the "
                    "main flash", name);
    }
    if (rc == RC_OK) {
        if (k > 1) {
            qsort(ls, k, sizeof *ls, cmp_lseg);
        }
        for (size_t i = 1; i < k && rc == RC_OK; i++) {
            if ((uint64_t)ls[i - 1].addr + ls[i - 1].len > ls[i].addr) {
                rc = rc_set(msg, RC_PARSE, "%s: UF2 blocks %zu and %zu both "
                            "write 0x%08x", name, ls[i - 1].phdr, ls[i].phdr,
                            (unsigned)ls[i].addr);
            }
        }
    }
    if (rc == RC_OK) {
        rc = take_segs(img, ls, k, d, name, msg);
    }
    free(ls);
    return rc;
}

static int is_hex(const uint8_t *d, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (d[i] == ':') {
            return 1;
        }
        if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r' && d[i] != '\n') {
            return 0;
        }
    }
    return 0;
}

/* Load from a private, writable copy of the file (not freed here). */
static int load_buf(uint8_t *d, size_t len, const char *name, uint32_t base,
                    int have_base, struct image **out, struct rc_msg *msg)
{
    *out = NULL;
    if (len == 0) {
        return rc_set(msg, RC_PARSE, "%s: empty file", name);
    }
    if (len > IMAGE_MAX_FILE) {
        return rc_set(msg, RC_PARSE, "%s: larger than 256 MiB; too big for a "
                      "firmware image", name);
    }
    enum image_kind kind;
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    if (memcmp(d, magic, len < 4 ? len : 4) == 0) {
        if (len < 4) {
            return rc_set(msg, RC_PARSE, "%s: truncated: %zu bytes are too "
                          "few for an ELF header", name, len);
        }
        kind = IMAGE_ELF;
    } else if (is_uf2(d, len)) {
        kind = IMAGE_UF2;
    } else if (is_hex(d, len)) {
        kind = IMAGE_HEX;
    } else if (have_base) {
        kind = IMAGE_BIN;
    } else {
        return rc_set(msg, RC_ARG, "%s: not an ELF, UF2 or Intel HEX file; "
                      "for a raw binary give --base ADDR", name);
    }
    struct image *img = calloc(1, sizeof *img);
    struct store *st = calloc(1, sizeof *st);
    if (img == NULL || st == NULL) {
        free(img);
        free(st);
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    img->store = st;
    img->kind = kind;
    snprintf(img->path, sizeof img->path, "%s", name);
    int rc;
    switch (kind) {
    case IMAGE_ELF:
        rc = load_elf(img, d, len, name, msg);
        break;
    case IMAGE_HEX:
        rc = load_hex(img, d, len, name, msg);
        break;
    case IMAGE_UF2:
        rc = load_uf2(img, d, len, name, msg);
        break;
    default:
        rc = load_bin(img, d, len, base, name, msg);
        break;
    }
    if (rc != RC_OK) {
        image_free(img);
        return rc;
    }
    *out = img;
    return RC_OK;
}

int image_load_mem(const uint8_t *data, size_t len, const char *name,
                   uint32_t base, int have_base, struct image **out,
                   struct rc_msg *msg)
{
    *out = NULL;
    if (len > IMAGE_MAX_FILE) {
        return rc_set(msg, RC_PARSE, "%s: larger than 256 MiB; too big for a "
                      "firmware image", name);
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    if (len > 0) {
        memcpy(copy, data, len);
    }
    int rc = load_buf(copy, len, name, base, have_base, out, msg);
    free(copy);
    return rc;
}

static int os_error(const char *path, int err, struct rc_msg *msg)
{
    int rc = err == ENOENT || err == ENOTDIR ? RC_NOTFOUND
             : err == EACCES || err == EPERM ? RC_PERM
                                             : RC_IO;
    return rc_set(msg, rc, "%s: %s", path, strerror(err));
}

int image_load(const char *path, uint32_t base, int have_base,
               struct image **out, struct rc_msg *msg)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return os_error(path, errno, msg);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return os_error(path, err, msg);
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return os_error(path, EISDIR, msg);
    }
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > IMAGE_MAX_FILE) {
        close(fd);
        return rc_set(msg, RC_PARSE, "%s: larger than 256 MiB; too big for a "
                      "firmware image", path);
    }
    uint8_t *d = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap > IMAGE_MAX_FILE) {
                free(d);
                close(fd);
                return rc_set(msg, RC_PARSE, "%s: larger than 256 MiB; too "
                              "big for a firmware image", path);
            }
            size_t ncap = cap ? cap * 2 : (S_ISREG(sb.st_mode) && sb.st_size > 0
                                           ? (size_t)sb.st_size + 1 : 65536);
            uint8_t *t = realloc(d, ncap);
            if (t == NULL) {
                free(d);
                close(fd);
                return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
            }
            d = t;
            cap = ncap;
        }
        ssize_t n = read(fd, d + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            free(d);
            close(fd);
            return os_error(path, err, msg);
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    int rc = load_buf(d, len, path, base, have_base, out, msg);
    free(d);
    return rc;
}

int image_from_segs(const char *name, enum image_kind kind,
                    const struct image_seg *segs, size_t n,
                    struct image **out, struct rc_msg *msg)
{
    *out = NULL;
    struct image *img = calloc(1, sizeof *img);
    struct store *st = calloc(1, sizeof *st);
    struct lseg *ls = calloc(n ? n : 1, sizeof *ls);
    uint8_t *flat = NULL;
    int rc = RC_OK;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += segs[i].len;
        if ((uint64_t)segs[i].addr + segs[i].len > ADDR_LIMIT || segs[i].len == 0) {
            rc = rc_set(msg, RC_PARSE, "%s: segment 0x%08x+%u is empty or runs "
                        "past 4 GiB", name, (unsigned)segs[i].addr,
                        (unsigned)segs[i].len);
        }
    }
    if (rc == RC_OK && total > IMAGE_MAX_BYTES) {
        rc = rc_set(msg, RC_PARSE, "%s: the segments hold 0x%llx bytes, more "
                    "than 256 MiB", name, (unsigned long long)total);
    }
    if (rc == RC_OK) {
        flat = malloc(total ? (size_t)total : 1);
    }
    if (rc == RC_OK && (img == NULL || st == NULL || ls == NULL || flat == NULL)) {
        rc = rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    if (rc == RC_OK) {
        img->store = st;
        st = NULL;
        img->kind = kind;
        snprintf(img->path, sizeof img->path, "%s", name);
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(flat + pos, segs[i].data, segs[i].len);
            ls[i] = (struct lseg){segs[i].addr, segs[i].len, pos, i};
            pos += segs[i].len;
        }
        rc = take_segs(img, ls, n, flat, name, msg);
    }
    free(flat);
    free(ls);
    free(st);
    if (rc != RC_OK) {
        image_free(img);
        return rc;
    }
    *out = img;
    return RC_OK;
}

/* ---- queries ----------------------------------------------------------- */

/* Index of the first segment ending after addr (nsegs if none). */
static size_t seg_after(const struct image *img, uint32_t addr)
{
    size_t lo = 0, hi = img->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct image_seg *s = &img->segs[mid];
        if ((uint64_t)s->addr + s->len <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int image_byte(const struct image *img, uint32_t addr, uint8_t *value)
{
    size_t i = seg_after(img, addr);
    if (i < img->nsegs && img->segs[i].addr <= addr) {
        *value = img->segs[i].data[addr - img->segs[i].addr];
        return 1;
    }
    return 0;
}

size_t image_copy(const struct image *img, uint32_t addr, uint32_t len,
                  uint8_t *out)
{
    uint64_t end = (uint64_t)addr + len;
    size_t held = 0;
    for (size_t i = seg_after(img, addr); i < img->nsegs; i++) {
        const struct image_seg *s = &img->segs[i];
        if (s->addr >= end) {
            break;
        }
        uint64_t a = s->addr > addr ? s->addr : addr;
        uint64_t e = (uint64_t)s->addr + s->len;
        if (e > end) {
            e = end;
        }
        memcpy(out + (a - addr), s->data + (a - s->addr), (size_t)(e - a));
        held += (size_t)(e - a);
    }
    return held;
}

uint64_t image_size(const struct image *img)
{
    const struct store *st = img->store;
    return st != NULL ? st->total : 0;
}

const struct image_sym *image_sym_find(const struct image *img,
                                       const char *name)
{
    const struct store *st = img->store;
    if (st == NULL || st->by_name == NULL) {
        /* A hand-built image (tests, fuzzing): no index, look at each. */
        const struct image_sym *found = NULL;
        for (size_t i = 0; img->syms != NULL && i < img->nsyms; i++) {
            const struct image_sym *s = &img->syms[i];
            if (s->name != NULL && strcmp(s->name, name) == 0) {
                if (s->global) {
                    return s;
                }
                found = found != NULL ? found : s;
            }
        }
        return found;
    }
    size_t lo = 0, hi = img->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(st->by_name[mid]->name, name) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < img->nsyms && strcmp(st->by_name[lo]->name, name) == 0) {
        return st->by_name[lo];
    }
    return NULL;
}

const struct image_sym *image_sym_at(const struct image *img, uint32_t addr)
{
    const struct store *st = img->store;
    if (st == NULL || st->nspans == 0) {
        return NULL;
    }
    /* The last span starting at or before addr. */
    size_t lo = 0, hi = st->nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->spans[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || st->spans[lo - 1].sym == NO_SYM) {
        return NULL;
    }
    return &img->syms[st->spans[lo - 1].sym];
}

size_t image_sym_lower(const struct image *img, uint32_t addr)
{
    size_t lo = 0, hi = img->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->syms[mid].addr < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}
