/*
 * test_image.c: firmware images (ELF, Intel HEX, raw binary) and their
 * errors.
 *
 * The fixture is build/fixtures/img_basic.{elf,hex,bin} (`make fixtures`,
 * from tests/fixtures/img_basic.c): its three forms must hold the same
 * bytes, its symbols must be what arm-none-eabi-nm says, and its values
 * what the C source says.  Broken files are made in memory from the real
 * fixture; small ELFs of every class and byte order come from a builder
 * here.
 */
#include "image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "failalloc.h"
#include "harness.h"

#define ELF_PATH "build/fixtures/img_basic.elf"
#define HEX_PATH "build/fixtures/img_basic.hex"
#define BIN_PATH "build/fixtures/img_basic.bin"

static uint8_t *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("  cannot open %s (run `make fixtures`)\n", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *d = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            d = realloc(d, cap);
        }
        size_t got = fread(d + n, 1, cap - n, f);
        if (got == 0) {
            break;
        }
        n += got;
    }
    fclose(f);
    *len = n;
    return d;
}

static struct image *load(const char *path, uint32_t base, int have_base)
{
    struct image *img = NULL;
    struct rc_msg msg = {{0}};
    int rc = image_load(path, base, have_base, &img, &msg);
    if (rc != RC_OK) {
        printf("  %s: %s\n", path, msg.text);
    }
    return img;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* 1 when the two images hold the same segments byte for byte. */
static int same_bytes(const struct image *a, const struct image *b)
{
    if (a->nsegs != b->nsegs) {
        printf("  %zu segments != %zu\n", a->nsegs, b->nsegs);
        return 0;
    }
    for (size_t i = 0; i < a->nsegs; i++) {
        if (a->segs[i].addr != b->segs[i].addr ||
            a->segs[i].len != b->segs[i].len ||
            memcmp(a->segs[i].data, b->segs[i].data, a->segs[i].len) != 0) {
            printf("  segment %zu differs\n", i);
            return 0;
        }
    }
    return 1;
}

/* The invariants image.h promises, and image_sym_at against a scan. */
static const struct image_sym *sym_at_ref(const struct image *img,
                                          uint32_t addr)
{
    const struct image_sym *best = NULL;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->size == 0 || addr < s->addr ||
            (uint64_t)addr >= (uint64_t)s->addr + s->size) {
            continue;
        }
        if (best == NULL || s->size < best->size ||
            (s->size == best->size &&
             (s->addr > best->addr ||
              (s->addr == best->addr && s->global > best->global)))) {
            best = s;
        }
    }
    return best;
}

static void check_invariants(const struct image *img)
{
    for (size_t i = 0; i < img->nsegs; i++) {
        CHECK(img->segs[i].len > 0);
        CHECK((uint64_t)img->segs[i].addr + img->segs[i].len <= 0x100000000ULL);
        if (i > 0) {
            CHECK((uint64_t)img->segs[i - 1].addr + img->segs[i - 1].len <
                  img->segs[i].addr);
        }
    }
    for (size_t i = 1; i < img->nsyms; i++) {
        const struct image_sym *a = &img->syms[i - 1], *b = &img->syms[i];
        CHECK(a->addr < b->addr ||
              (a->addr == b->addr && strcmp(a->name, b->name) <= 0));
    }
}

/* ---- the fixture ------------------------------------------------------- */

TEST(three_forms_hold_the_same_bytes)
{
    struct image *elf = load(ELF_PATH, 0, 0);
    struct image *hex = load(HEX_PATH, 0, 0);
    struct image *bin = load(BIN_PATH, 0, 1);
    CHECK(elf != NULL && hex != NULL && bin != NULL);
    if (elf == NULL || hex == NULL || bin == NULL) {
        image_free(elf);
        image_free(hex);
        image_free(bin);
        return;
    }
    CHECK_EQ_INT(elf->kind, IMAGE_ELF);
    CHECK_EQ_INT(hex->kind, IMAGE_HEX);
    CHECK_EQ_INT(bin->kind, IMAGE_BIN);
    CHECK_STR(image_kind_name(elf->kind), "ELF");
    CHECK_STR(elf->path, ELF_PATH);
    check_invariants(elf);
    check_invariants(hex);
    check_invariants(bin);
    CHECK(same_bytes(elf, bin));
    CHECK(same_bytes(elf, hex));
    size_t binlen;
    uint8_t *raw = slurp(BIN_PATH, &binlen);
    CHECK_EQ_INT(image_size(elf), binlen);
    CHECK_EQ_INT(image_size(hex), binlen);
    CHECK_EQ_INT(elf->segs[0].addr, 0);
    uint8_t *out = malloc(binlen + 16);
    memset(out, 0xA5, binlen + 16);
    CHECK_EQ_INT(image_copy(elf, 0, (uint32_t)binlen + 16, out), binlen);
    CHECK(memcmp(out, raw, binlen) == 0);
    CHECK_EQ_INT(out[binlen], 0xA5); /* not held: left alone */
    uint8_t v = 0;
    CHECK(image_byte(elf, 5, &v) && v == raw[5]);
    CHECK(!image_byte(elf, (uint32_t)binlen, &v));
    CHECK(!image_byte(elf, 0x20000000, &v)); /* RAM: nothing stored there */
    /* The entry point is Reset_Handler (with the Thumb bit), in both. */
    const struct image_sym *rh = image_sym_find(elf, "Reset_Handler");
    CHECK(rh != NULL);
    CHECK(elf->has_entry && hex->has_entry && !bin->has_entry);
    if (rh != NULL) {
        CHECK_EQ_INT(elf->entry, rh->addr | 1);
        CHECK_EQ_INT(hex->entry, rh->addr | 1);
    }
    CHECK(hex->nsects == 0 && hex->nsyms == 0);
    CHECK(bin->nsects == 0 && bin->nsyms == 0);
    CHECK(image_sym_find(hex, "main") == NULL);
    CHECK(image_sym_at(hex, 0x40) == NULL);
    CHECK_EQ_INT(image_sym_lower(hex, 0), 0);
    /* From memory, the same. */
    size_t elflen;
    uint8_t *ed = slurp(ELF_PATH, &elflen);
    struct image *mem = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(image_load_mem(ed, elflen, "mem.elf", 0, 0, &mem, &msg), RC_OK);
    if (mem != NULL) {
        CHECK(same_bytes(elf, mem));
        CHECK_EQ_INT(mem->nsyms, elf->nsyms);
        CHECK_EQ_INT(mem->nsects, elf->nsects);
        CHECK_STR(mem->path, "mem.elf");
    }
    image_free(mem);
    free(ed);
    free(out);
    free(raw);
    image_free(elf);
    image_free(hex);
    image_free(bin);
}

TEST(symbols_match_nm)
{
    struct image *img = load(ELF_PATH, 0, 0);
    CHECK(img != NULL);
    if (img == NULL) {
        return;
    }
    FILE *p = popen("arm-none-eabi-nm -S --defined-only " ELF_PATH, "r");
    CHECK(p != NULL);
    if (p == NULL) {
        image_free(img);
        return;
    }
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        /* "ADDR [SIZE] T NAME" */
        char f[4][256];
        int k = sscanf(line, "%255s %255s %255s %255s", f[0], f[1], f[2], f[3]);
        if (k < 3) {
            continue;
        }
        uint32_t addr = (uint32_t)strtoul(f[0], NULL, 16);
        uint32_t size = k == 4 ? (uint32_t)strtoul(f[1], NULL, 16) : 0;
        const char *name = k == 4 ? f[3] : f[2];
        const struct image_sym *s = image_sym_find(img, name);
        if (s == NULL) {
            printf("  nm has %s, the image does not\n", name);
        }
        CHECK(s != NULL);
        if (s != NULL) {
            if (s->addr != addr || s->size != size) {
                printf("  %s: 0x%x/%u, nm says 0x%x/%u\n", name,
                       (unsigned)s->addr, (unsigned)s->size, (unsigned)addr,
                       (unsigned)size);
            }
            CHECK_EQ_INT(s->addr, addr);
            CHECK_EQ_INT(s->size, size);
            CHECK_STR(s->name, name);
        }
        n++;
    }
    int st = pclose(p);
    CHECK_EQ_INT(st, 0);
    CHECK(n >= 20);
    CHECK_EQ_INT(img->nsyms, n); /* no mapping, file or section symbols */
    for (size_t i = 0; i < img->nsyms; i++) {
        CHECK(img->syms[i].name[0] != '$' && img->syms[i].name[0] != 0);
        CHECK(image_sym_find(img, img->syms[i].name) != NULL);
    }
    CHECK(image_sym_find(img, "img_basic.c") == NULL);
    CHECK(image_sym_find(img, ".text") == NULL);
    CHECK(image_sym_find(img, "$t") == NULL);
    CHECK(image_sym_find(img, "no_such_symbol") == NULL);
    CHECK(image_sym_find(img, "") == NULL);
    image_free(img);
}

TEST(values_from_the_source)
{
    struct image *img = load(ELF_PATH, 0, 0);
    CHECK(img != NULL);
    if (img == NULL) {
        return;
    }
    static const uint8_t table[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                      0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                      0xcc, 0xdd, 0xee, 0xff};
    const struct image_sym *s = image_sym_find(img, "known_table");
    CHECK(s != NULL);
    if (s != NULL) {
        uint8_t buf[16];
        CHECK_EQ_INT(s->size, 16);
        CHECK_EQ_INT(s->type, IMAGE_SYM_OBJECT);
        CHECK(s->global);
        CHECK_EQ_INT(image_copy(img, s->addr, 16, buf), 16);
        CHECK(memcmp(buf, table, 16) == 0);
        CHECK(image_sym_at(img, s->addr + 15) == s);
    }
    s = image_sym_find(img, "known_string");
    CHECK(s != NULL);
    if (s != NULL) {
        char buf[32] = {0};
        CHECK_EQ_INT(s->size, sizeof "mpeek image fixture");
        CHECK_EQ_INT(image_copy(img, s->addr, s->size, (uint8_t *)buf), s->size);
        CHECK_STR(buf, "mpeek image fixture");
    }
    s = image_sym_find(img, "local_table");
    CHECK(s != NULL);
    if (s != NULL) {
        uint8_t buf[8];
        CHECK(!s->global);
        CHECK_EQ_INT(image_copy(img, s->addr, 8, buf), 8);
        CHECK_EQ_INT(buf[0] | buf[1] << 8, 0x1234);
        CHECK_EQ_INT(buf[6] | buf[7] << 8, 0xdef0);
    }
    s = image_sym_find(img, "sum_bytes");
    CHECK(s != NULL && !s->global && s->type == IMAGE_SYM_FUNC &&
          s->addr % 2 == 0 && s->size > 0);
    s = image_sym_find(img, "NMI_Handler");
    CHECK(s != NULL && s->global && s->type == IMAGE_SYM_FUNC);
    s = image_sym_find(img, "isr_vector");
    CHECK(s != NULL && s->addr == 0 && s->size == 64);
    s = image_sym_find(img, "_estack");
    CHECK(s != NULL && s->addr == 0x20004000 && s->size == 0 &&
          s->type == IMAGE_SYM_OTHER);
    /* The vector table's first word is the stack top. */
    uint8_t w[4];
    CHECK_EQ_INT(image_copy(img, 0, 4, w), 4);
    CHECK_EQ_INT(le32(w), 0x20004000);
    /* _sidata is absolute: where .data's initial values sit in flash. */
    const struct image_sym *sidata = image_sym_find(img, "_sidata");
    CHECK(sidata != NULL && sidata->type == IMAGE_SYM_OTHER);
    image_free(img);
}

TEST(sections)
{
    struct image *img = load(ELF_PATH, 0, 0);
    CHECK(img != NULL);
    if (img == NULL) {
        return;
    }
    const struct image_sect *text = NULL, *data = NULL, *bss = NULL,
                            *rodata = NULL;
    for (size_t i = 0; i < img->nsects; i++) {
        const struct image_sect *s = &img->sects[i];
        CHECK(s->size > 0);
        if (strcmp(s->name, ".text") == 0) {
            text = s;
        } else if (strcmp(s->name, ".data") == 0) {
            data = s;
        } else if (strcmp(s->name, ".bss") == 0) {
            bss = s;
        } else if (strcmp(s->name, ".rodata") == 0) {
            rodata = s;
        } else {
            printf("  unexpected section %s\n", s->name);
            CHECK(0); /* .debug_*, .symtab... do not occupy memory */
        }
    }
    CHECK(text != NULL && data != NULL && bss != NULL && rodata != NULL);
    if (text == NULL || data == NULL || bss == NULL || rodata == NULL) {
        image_free(img);
        return;
    }
    CHECK_EQ_INT(text->addr, 0);
    CHECK_EQ_INT(text->load, 0);
    CHECK_EQ_INT(text->flags, IMAGE_SF_EXEC);
    CHECK_EQ_INT(rodata->flags, 0);
    CHECK_EQ_INT(rodata->load, rodata->addr);
    CHECK_EQ_INT(data->addr, 0x20000000);
    CHECK_EQ_INT(data->flags, IMAGE_SF_WRITE);
    CHECK(data->load < 0x40000); /* in flash */
    CHECK_EQ_INT(bss->flags, IMAGE_SF_WRITE | IMAGE_SF_NOBITS);
    CHECK_EQ_INT(bss->addr, data->addr + data->size);
    CHECK(bss->size >= 64);
    const struct image_sym *sidata = image_sym_find(img, "_sidata");
    CHECK(sidata != NULL && sidata->addr == data->load);
    const struct image_sym *bb = image_sym_find(img, "bss_buf");
    CHECK(bb != NULL && bb->addr >= bss->addr && bb->size == 64);
    /* .data's initial values sit at its load address. */
    static const uint8_t init[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    const struct image_sym *db = image_sym_find(img, "data_bytes");
    const struct image_sym *dw = image_sym_find(img, "data_word");
    CHECK(db != NULL && dw != NULL);
    if (db != NULL && dw != NULL) {
        uint8_t buf[8];
        CHECK(db->addr >= data->addr && db->addr < data->addr + data->size);
        CHECK_EQ_INT(image_copy(img, data->load + (db->addr - data->addr), 8,
                                buf), 8);
        CHECK(memcmp(buf, init, 8) == 0);
        CHECK_EQ_INT(image_copy(img, data->load + (dw->addr - data->addr), 4,
                                buf), 4);
        CHECK_EQ_INT(le32(buf), 0xcafef00d);
        CHECK_EQ_INT(image_copy(img, db->addr, 8, buf), 0);
    }
    image_free(img);
}

TEST(symbol_lookups)
{
    struct image *img = load(ELF_PATH, 0, 0);
    CHECK(img != NULL);
    if (img == NULL) {
        return;
    }
    const struct image_sym *outer = image_sym_find(img, "nest_outer");
    const struct image_sym *inner = image_sym_find(img, "nest_inner");
    const struct image_sym *kt = image_sym_find(img, "known_table");
    CHECK(outer != NULL && inner != NULL && kt != NULL);
    if (outer != NULL && inner != NULL && kt != NULL) {
        CHECK_EQ_INT(outer->size, 32);
        CHECK_EQ_INT(inner->addr, outer->addr + 8);
        CHECK(image_sym_at(img, outer->addr) == outer);
        CHECK(image_sym_at(img, outer->addr + 7) == outer);
        CHECK(image_sym_at(img, outer->addr + 8) == inner);
        CHECK(image_sym_at(img, outer->addr + 11) == inner);
        CHECK(image_sym_at(img, outer->addr + 12) == outer);
        CHECK(image_sym_at(img, outer->addr + 31) == outer);
        CHECK(image_sym_at(img, outer->addr + 32) == kt); /* next object */
        uint8_t w[4];
        CHECK_EQ_INT(image_copy(img, inner->addr, 4, w), 4);
        CHECK_EQ_INT(le32(w), 0x11223344);
    }
    /* Three names for one handler: the global one first by name. */
    const struct image_sym *dh = image_sym_at(img, 0x40);
    CHECK(dh != NULL);
    if (dh != NULL) {
        CHECK_STR(dh->name, "Default_Handler");
    }
    CHECK(image_sym_at(img, 0x20003000) == NULL);
    CHECK(image_sym_at(img, 0xffffffff) == NULL);
    /* Every address the fixture uses, against a plain scan. */
    for (uint32_t a = 0; a < 0x200; a++) {
        CHECK(image_sym_at(img, a) == sym_at_ref(img, a));
        CHECK(image_sym_at(img, 0x20000000 + a) ==
              sym_at_ref(img, 0x20000000 + a));
    }
    CHECK_EQ_INT(image_sym_lower(img, 0), 0);
    CHECK_EQ_INT(image_sym_lower(img, 0xffffffff), img->nsyms);
    if (kt != NULL) {
        size_t i = image_sym_lower(img, kt->addr);
        CHECK(i < img->nsyms && img->syms[i].addr == kt->addr);
        CHECK(i > 0 && img->syms[i - 1].addr < kt->addr);
        i = image_sym_lower(img, kt->addr + 1);
        CHECK(i < img->nsyms && img->syms[i].addr > kt->addr);
    }
    /* image_copy across the end of the stored bytes and of the address
     * space. */
    uint8_t buf[32];
    memset(buf, 0x5a, sizeof buf);
    uint32_t end = img->segs[img->nsegs - 1].addr + img->segs[img->nsegs - 1].len;
    CHECK_EQ_INT(image_copy(img, end - 4, 16, buf), 4);
    CHECK_EQ_INT(buf[4], 0x5a);
    CHECK_EQ_INT(image_copy(img, 0xfffffff0, 0x20, buf), 0);
    CHECK_EQ_INT(image_copy(img, 0, 0, buf), 0);
    image_free(img);
}

/* ---- ELFs made here: every class and byte order ------------------------ */

struct bsym {
    const char *name;
    uint32_t value;
    uint32_t size;
    unsigned char info;  /* ELF st_info: bind << 4 | type */
    uint16_t shndx;
};

struct ebuf {
    uint8_t d[1 << 17];
    size_t len;
    int is64, big;
};

static void put(struct ebuf *e, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        e->d[off + (e->big ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
    }
}

/* An ELF with one PT_LOAD of text bytes at paddr (vaddr), sections
 * [1] .text, [2] .symtab, [3] .strtab, [4] .shstrtab, and the symbols. */
static size_t build_elf(struct ebuf *e, int is64, int big, uint32_t vaddr,
                        uint32_t paddr, const uint8_t *text, uint32_t textlen,
                        const struct bsym *syms, size_t nsyms)
{
    memset(e, 0, sizeof *e);
    e->is64 = is64;
    e->big = big;
    unsigned w = is64 ? 8 : 4;
    size_t ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32;
    size_t shsize = is64 ? 64 : 40, symsize = is64 ? 24 : 16;
    size_t phoff = ehsize, textoff = phoff + phsize;
    size_t symoff = (textoff + textlen + 7) & ~(size_t)7;
    size_t symlen = (nsyms + 1) * symsize;
    size_t stroff = symoff + symlen;
    /* strtab */
    size_t sl = 1;
    e->d[stroff] = 0;
    for (size_t i = 0; i < nsyms; i++) {
        size_t n = strlen(syms[i].name) + 1;
        size_t so = symoff + (i + 1) * symsize;
        put(e, so, sl, 4);
        if (is64) {
            e->d[so + 4] = syms[i].info;
            put(e, so + 6, syms[i].shndx, 2);
            put(e, so + 8, syms[i].value, 8);
            put(e, so + 16, syms[i].size, 8);
        } else {
            put(e, so + 4, syms[i].value, 4);
            put(e, so + 8, syms[i].size, 4);
            e->d[so + 12] = syms[i].info;
            put(e, so + 14, syms[i].shndx, 2);
        }
        memcpy(e->d + stroff + sl, syms[i].name, n);
        sl += n;
    }
    static const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
    size_t shstroff = stroff + sl;
    memcpy(e->d + shstroff, shstr, sizeof shstr);
    size_t shoff = (shstroff + sizeof shstr + 7) & ~(size_t)7;
    e->len = shoff + 5 * shsize;
    /* ELF header */
    memcpy(e->d, "\x7f" "ELF", 4);
    e->d[4] = is64 ? 2 : 1;
    e->d[5] = big ? 2 : 1;
    e->d[6] = 1;
    put(e, 16, 2, 2);  /* ET_EXEC */
    put(e, 18, 40, 2); /* EM_ARM */
    put(e, 20, 1, 4);
    put(e, 24, vaddr | 1, w);
    put(e, 24 + w, phoff, w);
    put(e, 24 + 2 * w, shoff, w);
    size_t o = 24 + 3 * w + 4;
    put(e, o, ehsize, 2);
    put(e, o + 2, phsize, 2);
    put(e, o + 4, 1, 2);
    put(e, o + 6, shsize, 2);
    put(e, o + 8, 5, 2);
    put(e, o + 10, 4, 2);
    /* PT_LOAD */
    put(e, phoff, 1, 4);
    if (is64) {
        put(e, phoff + 4, 5, 4);
        put(e, phoff + 8, textoff, 8);
        put(e, phoff + 16, vaddr, 8);
        put(e, phoff + 24, paddr, 8);
        put(e, phoff + 32, textlen, 8);
        put(e, phoff + 40, textlen, 8);
    } else {
        put(e, phoff + 4, textoff, 4);
        put(e, phoff + 8, vaddr, 4);
        put(e, phoff + 12, paddr, 4);
        put(e, phoff + 16, textlen, 4);
        put(e, phoff + 20, textlen, 4);
        put(e, phoff + 24, 5, 4);
    }
    memcpy(e->d + textoff, text, textlen);
    /* section headers: name, type, flags, addr, offset, size, link, info,
     * align, entsize */
    const uint64_t sh[5][10] = {
        {0},
        {1, 1, 6, vaddr, textoff, textlen, 0, 0, 4, 0},
        {7, 2, 0, 0, symoff, symlen, 3, 1, 4, symsize},
        {15, 3, 0, 0, stroff, sl, 0, 0, 1, 0},
        {23, 3, 0, 0, shstroff, sizeof shstr, 0, 0, 1, 0},
    };
    for (size_t i = 0; i < 5; i++) {
        size_t so = shoff + i * shsize;
        const uint64_t *f = sh[i];
        if (is64) {
            put(e, so, f[0], 4);
            put(e, so + 4, f[1], 4);
            put(e, so + 8, f[2], 8);
            put(e, so + 16, f[3], 8);
            put(e, so + 24, f[4], 8);
            put(e, so + 32, f[5], 8);
            put(e, so + 40, f[6], 4);
            put(e, so + 44, f[7], 4);
            put(e, so + 48, f[8], 8);
            put(e, so + 56, f[9], 8);
        } else {
            for (size_t k = 0; k < 10; k++) {
                put(e, so + 4 * k, f[k], 4);
            }
        }
    }
    return e->len;
}

#define FUNC_G (1 << 4 | 2)
#define OBJ_G (1 << 4 | 1)
#define OBJ_L 1
#define NOTYPE_L 0
#define SECT_L 3
#define FILE_L 4

TEST(every_class_and_byte_order)
{
    static const uint8_t text[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const struct bsym syms[] = {
        {"f.c", 0, 0, FILE_L, 0xfff1},
        {"", 0x08000000, 0, SECT_L, 1},
        {"$t", 0x08000000, 0, NOTYPE_L, 1},
        {"$d.1", 0x08000008, 0, NOTYPE_L, 1},
        {"reset", 0x08000001, 8, FUNC_G, 1},
        {"table", 0x08000008, 4, OBJ_G, 1},
        {"local", 0x08000008, 2, OBJ_L, 1},
        {"abs_sym", 0x1234, 0, NOTYPE_L, 0xfff1},
        {"undef", 0, 0, 1 << 4, 0},
    };
    struct ebuf *e = malloc(sizeof *e);
    for (int is64 = 0; is64 <= 1; is64++) {
        for (int big = 0; big <= 1; big++) {
            size_t len = build_elf(e, is64, big, 0x08000000, 0x08000000, text,
                                   sizeof text, syms,
                                   sizeof syms / sizeof syms[0]);
            struct image *img = NULL;
            struct rc_msg msg = {{0}};
            int rc = image_load_mem(e->d, len, "b.elf", 0, 0, &img, &msg);
            if (rc != RC_OK) {
                printf("  class %d big %d: %s\n", is64, big, msg.text);
            }
            CHECK_EQ_INT(rc, RC_OK);
            if (img == NULL) {
                continue;
            }
            check_invariants(img);
            CHECK_EQ_INT(img->nsegs, 1);
            CHECK_EQ_INT(img->segs[0].addr, 0x08000000);
            CHECK_EQ_INT(img->segs[0].len, 12);
            CHECK(memcmp(img->segs[0].data, text, 12) == 0);
            CHECK_EQ_INT(img->entry, 0x08000001);
            CHECK_EQ_INT(img->nsects, 1);
            CHECK_STR(img->sects[0].name, ".text");
            CHECK_EQ_INT(img->sects[0].flags, IMAGE_SF_EXEC);
            CHECK_EQ_INT(img->nsyms, 4);
            const struct image_sym *s = image_sym_find(img, "reset");
            CHECK(s != NULL && s->addr == 0x08000000 && s->size == 8 &&
                  s->type == IMAGE_SYM_FUNC && s->global);
            s = image_sym_find(img, "local");
            CHECK(s != NULL && !s->global && s->type == IMAGE_SYM_OBJECT);
            CHECK(image_sym_at(img, 0x08000008) == s);
            CHECK(image_sym_at(img, 0x0800000a) == image_sym_find(img, "table"));
            s = image_sym_find(img, "abs_sym");
            CHECK(s != NULL && s->addr == 0x1234 && s->type == IMAGE_SYM_OTHER);
            CHECK(img->nsyms > 0 && img->syms[0].addr == 0x1234);
            CHECK(image_sym_find(img, "undef") == NULL);
            CHECK(image_sym_find(img, "$t") == NULL);
            CHECK(image_sym_find(img, "$d.1") == NULL);
            CHECK(image_sym_find(img, "f.c") == NULL);
            image_free(img);
        }
    }
    free(e);
}

/* Random nested and overlapping symbols: image_sym_at against a scan. */
TEST(sym_at_many_nested)
{
    enum { N = 3000 };
    struct bsym *syms = calloc(N, sizeof *syms);
    char (*names)[16] = calloc(N, sizeof *names);
    uint32_t seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 8;
        snprintf(names[i], sizeof names[i], "s%zu", i);
        syms[i].name = names[i];
        syms[i].value = 0x1000 + (r % 4000);
        seed = seed * 1103515245u + 12345u;
        uint32_t k = (seed >> 8) % 100;
        syms[i].size = k < 10 ? 0 : k < 90 ? 1 + (seed >> 20) % 16
                                           : 1 + (seed >> 12) % 2000;
        syms[i].info = (i % 3) ? OBJ_G : OBJ_L;
        syms[i].shndx = 1;
    }
    /* a few that reach the top of the address space */
    syms[0].value = 0xfffffff0;
    syms[0].size = 16;
    syms[1].value = 0xfffffff8;
    syms[1].size = 8;
    struct ebuf *e = malloc(sizeof *e);
    uint8_t text[4] = {0};
    size_t len = build_elf(e, 0, 0, 0x1000, 0x1000, text, sizeof text, syms, N);
    struct image *img = NULL;
    struct rc_msg msg = {{0}};
    int rc = image_load_mem(e->d, len, "many.elf", 0, 0, &img, &msg);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
    }
    CHECK_EQ_INT(rc, RC_OK);
    if (img != NULL) {
        CHECK_EQ_INT(img->nsyms, N);
        check_invariants(img);
        int bad = 0;
        for (uint32_t a = 0xff0; a < 0x1000 + 6100 && bad < 5; a++) {
            if (image_sym_at(img, a) != sym_at_ref(img, a)) {
                printf("  0x%x: %s != %s\n", (unsigned)a,
                       image_sym_at(img, a) ? image_sym_at(img, a)->name : "-",
                       sym_at_ref(img, a) ? sym_at_ref(img, a)->name : "-");
                bad++;
            }
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(image_sym_at(img, 0xffffffff) == image_sym_find(img, "s1"));
        CHECK(image_sym_at(img, 0xfffffff7) == image_sym_find(img, "s0"));
        CHECK(image_sym_find(img, "s2999") != NULL);
        for (size_t i = 0; i + 1 < img->nsyms; i++) {
            CHECK(image_sym_lower(img, img->syms[i].addr) <= i);
        }
    }
    image_free(img);
    free(e);
    free(names);
    free(syms);
}

/* ---- broken files ------------------------------------------------------ */

/* Load a patched copy; expect rc and a message that starts with the file
 * name and contains want. */
static void expect_fail(const uint8_t *d, size_t len, uint32_t base,
                        int have_base, int want_rc, const char *want)
{
    struct image *img = (struct image *)1;
    struct rc_msg msg = {{0}};
    int rc = image_load_mem(d, len, "bad.elf", base, have_base, &img, &msg);
    if (getenv("TEST_IMAGE_VERBOSE") != NULL) {
        printf("  %zu bytes: %s\n", len, msg.text);
    }
    if (rc != want_rc || strstr(msg.text, want) == NULL ||
        strncmp(msg.text, "bad.elf", 7) != 0) {
        printf("  want %d \"%s\", got %d \"%s\"\n", want_rc, want, rc,
               msg.text);
    }
    CHECK_EQ_INT(rc, want_rc);
    CHECK(strstr(msg.text, want) != NULL);
    CHECK(strncmp(msg.text, "bad.elf", 7) == 0);
    CHECK(strchr(msg.text, '\n') == NULL);
    CHECK(img == NULL);
    image_free(rc == RC_OK ? img : NULL);
}

struct fx {
    uint8_t *d;
    size_t len;
    uint32_t phoff, shoff;
    unsigned phnum, shnum, shstrndx;
};

static int fx_open(struct fx *f)
{
    memset(f, 0, sizeof *f);
    f->d = slurp(ELF_PATH, &f->len);
    if (f->d == NULL || f->len < 52) {
        free(f->d);
        return 0;
    }
    f->phoff = le32(f->d + 28);
    f->shoff = le32(f->d + 32);
    f->phnum = f->d[44] | f->d[45] << 8;
    f->shnum = f->d[48] | f->d[49] << 8;
    f->shstrndx = f->d[50] | f->d[51] << 8;
    return 1;
}

static uint8_t *fx_shdr(struct fx *f, unsigned i)
{
    return f->d + f->shoff + 40 * i;
}

static unsigned fx_find(struct fx *f, const char *name)
{
    uint32_t stroff = le32(fx_shdr(f, f->shstrndx) + 16);
    for (unsigned i = 0; i < f->shnum; i++) {
        if (strcmp((char *)f->d + stroff + le32(fx_shdr(f, i)), name) == 0) {
            return i;
        }
    }
    return 0;
}

TEST(truncated_everywhere)
{
    struct fx f;
    CHECK(fx_open(&f));
    if (f.d == NULL) {
        return;
    }
    /* As built (the section headers come last), without section headers
     * (the load bytes come last), and with the section headers moved to
     * the front (the sections come last). */
    uint8_t *noshdr = malloc(f.len), *front = malloc(f.len);
    memcpy(noshdr, f.d, f.len);
    put_le32(noshdr + 32, 0);
    put_le16(noshdr + 48, 0);
    put_le16(noshdr + 50, 0);
    memcpy(front, f.d, f.len);
    uint32_t at = f.phoff + 32 * f.phnum;
    CHECK(at + 40 * f.shnum <= 0x1000);
    memcpy(front + at, f.d + f.shoff, 40 * f.shnum);
    put_le32(front + 32, at);
    const uint8_t *forms[3] = {f.d, noshdr, front};
    /* Without section headers nothing past the load bytes is used. */
    size_t loadend = 0;
    for (unsigned i = 0; i < f.phnum; i++) {
        const uint8_t *ph = f.d + f.phoff + 32 * i;
        if (le32(ph + 4) + le32(ph + 16) > loadend) {
            loadend = le32(ph + 4) + le32(ph + 16);
        }
    }
    /* With the section headers in front, nothing past the sections is. */
    size_t sectend = 0;
    for (unsigned i = 1; i < f.shnum; i++) {
        const uint8_t *sh = fx_shdr(&f, i);
        if (le32(sh + 4) != 8 && le32(sh + 16) + le32(sh + 20) > sectend) {
            sectend = le32(sh + 16) + le32(sh + 20); /* not SHT_NOBITS */
        }
    }
    for (int k = 0; k < 3; k++) {
        size_t need = k == 0 ? f.len : k == 1 ? loadend : sectend;
        for (size_t n = 0; n < need; n += n < 300 ? 1 : 61) {
            uint8_t *d = malloc(n ? n : 1);
            memcpy(d, forms[k], n);
            expect_fail(d, n, 0, 0, RC_PARSE, n == 0 ? "empty file" : "truncated");
            expect_fail(d, n, 0, 1, RC_PARSE, n == 0 ? "empty file" : "truncated");
            free(d);
        }
        struct image *img = NULL;
        struct rc_msg msg;
        CHECK_EQ_INT(image_load_mem(forms[k], f.len, "ok.elf", 0, 0, &img, &msg),
                     RC_OK);
        CHECK(img != NULL && img->nsegs == 1);
        CHECK(img != NULL && (k == 1 ? img->nsyms == 0 : img->nsyms > 20));
        image_free(img);
    }
    free(noshdr);
    free(front);
    free(f.d);
}

TEST(lying_headers)
{
    struct fx f;
    CHECK(fx_open(&f));
    if (f.d == NULL) {
        return;
    }
    uint8_t *d = malloc(f.len);
    unsigned text = fx_find(&f, ".text"), symtab = fx_find(&f, ".symtab");
    CHECK(text != 0 && symtab != 0 && f.phnum == 2);
    uint8_t *ph0 = d + f.phoff, *ph1 = d + f.phoff + 32;
    char want[200];

    memcpy(d, f.d, f.len);
    put_le32(ph0 + 4, (uint32_t)f.len - 4);
    expect_fail(d, f.len, 0, 0, RC_PARSE,
                "truncated: program header 0 runs past the end of the file");

    memcpy(d, f.d, f.len);
    put_le32(ph1 + 16, 0x10000000);
    put_le32(ph1 + 20, 0x10000000);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "program header 1 runs past the end");

    memcpy(d, f.d, f.len);
    put_le32(ph1 + 20, le32(ph1 + 16) - 1);
    expect_fail(d, f.len, 0, 0, RC_PARSE,
                "program header 1: file size 0xc is larger than memory size 0xb");

    memcpy(d, f.d, f.len);
    put_le32(ph1 + 12, 0x100);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "load segments overlap at 0x00000100");

    memcpy(d, f.d, f.len);
    put_le32(ph0 + 12, 0xffffff00);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "runs past 4 GiB");

    memcpy(d, f.d, f.len);
    put_le32(d + 28, (uint32_t)f.len - 40);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "program header table runs past");

    memcpy(d, f.d, f.len);
    put_le32(d + 32, (uint32_t)f.len - 100);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "section header table runs past");

    memcpy(d, f.d, f.len);
    put_le16(d + 42, 33);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "program header size is 33");

    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * text + 16, (uint32_t)f.len - 0x10);
    snprintf(want, sizeof want, "truncated: section .text runs past the end "
             "of the file (offset 0x%zx + 0xec > 0x%zx)", f.len - 0x10, f.len);
    expect_fail(d, f.len, 0, 0, RC_PARSE, want);

    /* A name with a control byte still makes a one-line message. */
    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * text + 16, (uint32_t)f.len - 0x10);
    d[le32(d + f.shoff + 40 * f.shstrndx + 16) + le32(d + f.shoff + 40 * text) +
      2] = '\n';
    expect_fail(d, f.len, 0, 0, RC_PARSE, "section .t?xt runs past the end");

    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * text + 20, 0xffffffff);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "section .text runs past the end");

    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * text + 12, 0xffffff80);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "section .text at 0xffffff80 + 0xec "
                "runs past 4 GiB");

    memcpy(d, f.d, f.len);
    put_le16(d + 50, 200);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "");

    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * text, 0x7ffffff);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "section 1: name offset 0x7ffffff "
                "is outside the section name table");

    /* A symbol's name index past its string table. */
    memcpy(d, f.d, f.len);
    uint32_t symoff = le32(d + f.shoff + 40 * symtab + 16);
    put_le32(d + symoff + 16 * 20, 0x00ffffff);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "symbol 20: name offset 0xffffff is "
                "outside its string table");

    /* The symbol table's string table index. */
    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * symtab + 24, 99);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "string table index 99 is out of "
                "range");

    memcpy(d, f.d, f.len);
    put_le32(d + f.shoff + 40 * symtab + 36, 12);
    expect_fail(d, f.len, 0, 0, RC_PARSE, "symbol table: entry size 12");

    memcpy(d, f.d, f.len);
    d[4] = 3;
    expect_fail(d, f.len, 0, 0, RC_PARSE, "unknown ELF class 3");

    memcpy(d, f.d, f.len);
    d[5] = 0;
    expect_fail(d, f.len, 0, 0, RC_PARSE, "unknown ELF byte order 0");

    /* Untouched, it loads. */
    memcpy(d, f.d, f.len);
    struct image *img = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(image_load_mem(d, f.len, "ok.elf", 0, 0, &img, &msg), RC_OK);
    image_free(img);
    free(d);
    free(f.d);
}

TEST(broken_hex)
{
    size_t len;
    uint8_t *hex = slurp(HEX_PATH, &len);
    CHECK(hex != NULL && len > 40);
    if (hex == NULL) {
        return;
    }
    uint8_t *d = malloc(len + 64);
    memcpy(d, hex, len);
    d[41] = d[41] == '0' ? '1' : '0'; /* a data digit of the first record */
    struct image *img = (struct image *)1;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(image_load_mem(d, len, "bad.hex", 0, 0, &img, &msg), RC_PARSE);
    CHECK(img == NULL);
    CHECK(strstr(msg.text, "bad.hex:1: bad checksum") != NULL);

    /* The first record again, before the end: overlapping data. */
    char *eof = strstr((char *)hex, ":00000001FF");
    CHECK(eof != NULL);
    if (eof != NULL) {
        size_t head = (size_t)(eof - (char *)hex);
        size_t first = (size_t)(strchr((char *)hex, '\n') - (char *)hex) + 1;
        memcpy(d, hex, head);
        memcpy(d + head, hex, first);
        memcpy(d + head + first, eof, len - head);
        CHECK_EQ_INT(image_load_mem(d, len + first, "bad.hex", 0, 0, &img,
                                    &msg), RC_PARSE);
        CHECK(strstr(msg.text, "overlaps earlier data") != NULL);
        CHECK(strncmp(msg.text, "bad.hex:", 8) == 0);
    }
    /* Leading blank lines are still HEX. */
    memcpy(d, "\r\n  \n", 5);
    memcpy(d + 5, hex, len);
    CHECK_EQ_INT(image_load_mem(d, len + 5, "ok.hex", 0, 0, &img, &msg), RC_OK);
    CHECK(img != NULL && img->kind == IMAGE_HEX);
    image_free(img);
    free(d);
    free(hex);
}

TEST(raw_binaries)
{
    static const uint8_t raw[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    struct image *img = (struct image *)1;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(image_load_mem(raw, 8, "fw.bin", 0, 0, &img, &msg), RC_ARG);
    CHECK(img == NULL);
    CHECK_STR(msg.text, "fw.bin: not an ELF, UF2 or Intel HEX file; for a "
              "raw binary give --base ADDR");
    CHECK_EQ_INT(image_load_mem(raw, 8, "fw.bin", 0xfffffffc, 1, &img, &msg),
                 RC_PARSE);
    CHECK(img == NULL);
    CHECK(strstr(msg.text, "fw.bin: ") == msg.text);
    CHECK(strstr(msg.text, "past 4 GiB") != NULL);
    CHECK_EQ_INT(image_load_mem(raw, 0, "fw.bin", 0, 1, &img, &msg), RC_PARSE);
    CHECK_STR(msg.text, "fw.bin: empty file");
    /* Exactly up to the top of the address space is fine. */
    CHECK_EQ_INT(image_load_mem(raw, 8, "fw.bin", 0xfffffff8, 1, &img, &msg),
                 RC_OK);
    if (img != NULL) {
        uint8_t v = 0;
        CHECK_EQ_INT(img->kind, IMAGE_BIN);
        CHECK(image_byte(img, 0xffffffff, &v) && v == 2);
        CHECK(!image_byte(img, 0xfffffff7, &v));
        uint8_t out[16];
        CHECK_EQ_INT(image_copy(img, 0xfffffff0, 16, out), 8);
        CHECK(memcmp(out + 8, raw, 8) == 0);
        CHECK_EQ_INT(image_size(img), 8);
        image_free(img);
    }
    /* Prefixes of the ELF magic are truncated ELF files, even with a base. */
    CHECK_EQ_INT(image_load_mem((const uint8_t *)"\x7f" "EL", 3, "x", 0, 1, &img,
                                &msg), RC_PARSE);
    /* Text that is not HEX. */
    CHECK_EQ_INT(image_load_mem((const uint8_t *)"hello", 5, "t.txt", 0, 0,
                                &img, &msg), RC_ARG);
}

TEST(file_errors)
{
    struct image *img = (struct image *)1;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(image_load("build/fixtures/no-such.elf", 0, 0, &img, &msg),
                 RC_NOTFOUND);
    CHECK(img == NULL);
    CHECK(strstr(msg.text, "build/fixtures/no-such.elf: ") == msg.text);
    CHECK(strstr(msg.text, "No such file") != NULL);
    CHECK_EQ_INT(image_load("tests", 0, 0, &img, &msg), RC_IO);
    CHECK_STR(msg.text, "tests: Is a directory");
    CHECK(img == NULL);

    char dir[] = "/tmp/test_image.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/empty.bin", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fclose(f);
    }
    CHECK_EQ_INT(image_load(path, 0, 1, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "empty.bin: empty file") != NULL);
    f = fopen(path, "wb");
    if (f != NULL) {
        fputs("text", f);
        fclose(f);
    }
    CHECK_EQ_INT(image_load(path, 0, 0, &img, &msg), RC_ARG);
    CHECK_EQ_INT(image_load(path, 0x100, 1, &img, &msg), RC_OK);
    if (img != NULL) {
        CHECK_EQ_INT(img->segs[0].addr, 0x100);
        CHECK_EQ_INT(img->segs[0].len, 4);
        image_free(img);
    }
    if (geteuid() != 0) {
        chmod(path, 0);
        CHECK_EQ_INT(image_load(path, 0, 1, &img, &msg), RC_PERM);
        CHECK(strstr(msg.text, "Permission denied") != NULL);
    }
    unlink(path);
    rmdir(dir);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* UF2 blocks (as the UF2 specification lays them out) carrying bin at
 * base, 256 bytes a block, plus one "not main flash" block. */
static uint8_t *make_uf2(const uint8_t *bin, size_t len, uint32_t base,
                         size_t *out_len)
{
    size_t nb = (len + 255) / 256 + 1;
    uint8_t *u = calloc(nb, 512);
    for (size_t i = 0; u != NULL && i < nb; i++) {
        uint8_t *b = u + i * 512;
        put32(b, 0x0A324655u);
        put32(b + 4, 0x9E5D5157u);
        put32(b + 20, (uint32_t)i);
        put32(b + 24, (uint32_t)nb);
        put32(b + 28, 0xe48bff56u); /* a family ID */
        put32(b + 508, 0x0AB16F30u);
        if (i == nb - 1) {
            put32(b + 8, 0x00002001u); /* not main flash (+ family flag) */
            put32(b + 12, base);       /* would overwrite the image */
            put32(b + 16, 4);
            memset(b + 32, 0xEE, 4);
            continue;
        }
        size_t k = len - i * 256 < 256 ? len - i * 256 : 256;
        put32(b + 8, 0x00002000u);
        put32(b + 12, base + (uint32_t)(i * 256));
        put32(b + 16, (uint32_t)k);
        memcpy(b + 32, bin + i * 256, k);
    }
    *out_len = nb * 512;
    return u;
}

TEST(uf2_files)
{
    size_t binlen = 0, ulen = 0;
    uint8_t *bin = slurp(BIN_PATH, &binlen);
    CHECK(bin != NULL && binlen > 256);
    if (bin == NULL) {
        return;
    }
    uint8_t *u = make_uf2(bin, binlen, 0x10000000, &ulen);
    struct image *img = NULL;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(image_load_mem(u, ulen, "fw.uf2", 0, 0, &img, &msg), RC_OK);
    if (img != NULL) {
        CHECK(img->kind == IMAGE_UF2);
        CHECK_STR(image_kind_name(img->kind), "UF2");
        CHECK_EQ_INT(img->nsegs, 1);
        CHECK_EQ_INT(img->segs[0].addr, 0x10000000);
        CHECK_EQ_INT(img->segs[0].len, binlen);
        CHECK(img->nsegs == 1 && memcmp(img->segs[0].data, bin, binlen) == 0);
        CHECK_EQ_INT(img->nsects, 0);
        CHECK_EQ_INT(img->nsyms, 0);
        image_free(img);
        img = NULL;
    }
    /* A base is not used: the blocks carry their addresses. */
    CHECK_EQ_INT(image_load_mem(u, ulen, "fw.uf2", 0x1234, 1, &img, &msg), RC_OK);
    CHECK(img != NULL && img->kind == IMAGE_UF2 && img->segs[0].addr == 0x10000000);
    image_free(img);
    img = NULL;

    /* Truncated mid-block. */
    CHECK_EQ_INT(image_load_mem(u, ulen - 100, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(img == NULL && strstr(msg.text, "fw.uf2: truncated") == msg.text);
    /* A block with a broken end magic. */
    uint8_t *bad = malloc(ulen);
    memcpy(bad, u, ulen);
    bad[512 + 508] ^= 1;
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "fw.uf2: UF2 block 1 (offset 0x200) has bad magic") == msg.text);
    /* A payload larger than a block holds. */
    memcpy(bad, u, ulen);
    put32(bad + 16, 477);
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "at most 476") != NULL);
    /* Two blocks writing the same bytes. */
    memcpy(bad, u, ulen);
    put32(bad + 512 + 12, 0x10000080);
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "both write 0x10000080") != NULL);
    /* Past 4 GiB. */
    memcpy(bad, u, ulen);
    put32(bad + 12, 0xffffff80u);
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "past 4 GiB") != NULL);
    /* A file-container block (its address is a file offset) is not flash. */
    memcpy(bad, u, ulen);
    put32(bad + 8, 0x00001000u);
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_OK);
    CHECK(img != NULL && img->segs[0].addr == 0x10000100);
    image_free(img);
    img = NULL;
    /* Images for two chip families in one file. */
    memcpy(bad, u, ulen);
    put32(bad + 512 + 28, 0xada52840u);
    CHECK_EQ_INT(image_load_mem(bad, ulen, "fw.uf2", 0, 0, &img, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "several chip families (0xe48bff56 in block 0, "
                           "0xada52840 in block 1)") != NULL);
    CHECK(img == NULL);
    /* Only a block for something else than the main flash. */
    CHECK_EQ_INT(image_load_mem(u + ulen - 512, 512, "fw.uf2", 0, 0, &img, &msg),
                 RC_PARSE);
    CHECK(strstr(msg.text, "no bytes for the main flash") != NULL);
    CHECK(img == NULL);
    free(bad);
    free(u);
    free(bin);
}

/* The symbol names are gathered in a growing buffer: whichever of its
 * allocations fails, loading says so and gives no image. */
TEST(out_of_memory_while_reading_symbols)
{
    size_t len;
    uint8_t *d = slurp(ELF_PATH, &len);
    if (d == NULL) {
        CHECK(d != NULL);
        return;
    }
    struct image *img;
    struct rc_msg msg;
    long before = failalloc_calls;
    CHECK_EQ_INT(image_load_mem(d, len, "mem.elf", 0, 0, &img, &msg), RC_OK);
    long n = failalloc_calls - before;
    CHECK(n >= 1);
    CHECK(img != NULL && img->nsyms > 0);
    image_free(img);
    for (long k = 0; k < n; k++) {
        failalloc_arm(k);
        int rc = image_load_mem(d, len, "mem.elf", 0, 0, &img, &msg);
        CHECK(failalloc_fired());
        failalloc_disarm();
        CHECK_EQ_INT(rc, RC_NOMEM);
        CHECK(img == NULL);
        CHECK_STR(msg.text, "mem.elf: out of memory");
    }
    free(d);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(three_forms_hold_the_same_bytes);
    RUN(out_of_memory_while_reading_symbols);
    RUN(symbols_match_nm);
    RUN(values_from_the_source);
    RUN(sections);
    RUN(symbol_lookups);
    RUN(every_class_and_byte_order);
    RUN(sym_at_many_nested);
    RUN(truncated_everywhere);
    RUN(lying_headers);
    RUN(broken_hex);
    RUN(raw_binaries);
    RUN(uf2_files);
    RUN(file_errors);
    return harness_done("image");
}
