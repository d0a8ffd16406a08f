/*
 * test_objdec.c: MicroPython objects decoded from hand-built memory images
 * of both layout families (fake type objects named by fake qstrs), printed
 * as the boards print them; float text against values read from the
 * boards (tests/data/objdec_floats_*.txt); errors; and, when the v1.29
 * firmware ELF is at hand, its own ROM objects decoded from its bytes.
 *
 * The expected texts are what MicroPython prints (seen on the v1.9.2
 * micro:bit and the v1.29 qemu firmware where the object exists there).
 */
#include "objdec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "harness.h"

/* ---- a fake board: ROM at 0x00020000, RAM at 0x20000000 ------------------ */

#define ROM_BASE 0x00020000u
#define RAM_BASE 0x20000000u
#define MEM_SIZE 0x8000u

struct fake {
    uint8_t rom[MEM_SIZE];
    uint8_t ram[MEM_SIZE];
    uint32_t rom_top, ram_top;
    const char *q[512];
    unsigned nq;
    struct objdec_layout lay;
    uint32_t type_type;
    unsigned reads;
    int fail_qstr; /* the text callback fails for this qstr (0: none) */
};

static uint8_t *at(struct fake *f, uint32_t a, uint32_t len)
{
    if (a >= ROM_BASE && a - ROM_BASE + (uint64_t)len <= MEM_SIZE) {
        return f->rom + (a - ROM_BASE);
    }
    if (a >= RAM_BASE && a - RAM_BASE + (uint64_t)len <= MEM_SIZE) {
        return f->ram + (a - RAM_BASE);
    }
    return NULL;
}

static int fake_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    struct fake *f = ctx;
    f->reads++;
    uint8_t *p = at(f, addr, len);
    if (p == NULL) {
        return rc_set(msg, RC_NOTFOUND, "no memory at 0x%08x", addr);
    }
    memcpy(out, p, len);
    return RC_OK;
}

static int fake_text(void *ctx, uint32_t q, char *buf, size_t size,
                     struct rc_msg *msg)
{
    struct fake *f = ctx;
    if (q >= f->nq || f->q[q] == NULL || (f->fail_qstr && q == (uint32_t)f->fail_qstr)) {
        return rc_set(msg, RC_NOTFOUND, "qstr %u is in no pool", q);
    }
    snprintf(buf, size, "%s", f->q[q]);
    return RC_OK;
}

static void put32(struct fake *f, uint32_t a, uint32_t v)
{
    uint8_t *p = at(f, a, 4);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put8(struct fake *f, uint32_t a, uint8_t v)
{
    *at(f, a, 1) = v;
}

static uint32_t ram(struct fake *f, uint32_t size)
{
    uint32_t a = RAM_BASE + f->ram_top;
    f->ram_top += (size + 7) & ~7u;
    return a;
}

static uint32_t rom(struct fake *f, uint32_t size)
{
    uint32_t a = ROM_BASE + f->rom_top;
    f->rom_top += (size + 3) & ~3u;
    return a;
}

static uint32_t qstr(struct fake *f, const char *s)
{
    for (unsigned i = 1; i < f->nq; i++) {
        if (strcmp(f->q[i], s) == 0) {
            return i;
        }
    }
    f->q[f->nq] = s;
    return f->nq++;
}

static int slots(const struct fake *f)
{
    return f->lay.family == OBJDEC_FAMILY_SLOTS;
}

/* A type object named name.  OLD: {type, name, print, make_new, ...,
 * locals_dict at +56}; v1.20+: {type, flags | name << 16, 12 slot indices,
 * slots[]} with print as slot 1 and locals_dict as slot 2 when given. */
static uint32_t mktype_full(struct fake *f, const char *name, int has_print,
                            uint16_t flags, uint32_t locals)
{
    uint32_t t = rom(f, 64);
    put32(f, t, f->type_type);
    if (slots(f)) {
        put32(f, t + 4, flags | qstr(f, name) << 16);
        if (has_print) {
            put8(f, t + 9, 1);
            put32(f, t + 20, 0x1235); /* a function address */
        }
        if (locals) {
            put8(f, t + 19, 2);
            put32(f, t + 24, locals);
        }
    } else {
        put32(f, t + 4, qstr(f, name));
        put32(f, t + 8, has_print ? (flags & 0x0200 ? 0x4321 : 0x1235) : 0);
        put32(f, t + 56, locals);
    }
    return t;
}

static uint32_t mktype(struct fake *f, const char *name, int has_print)
{
    return mktype_full(f, name, has_print, 0, 0);
}

static void setup(struct fake *f, int family, int repr)
{
    struct rc_msg msg;
    memset(f, 0, sizeof *f);
    f->q[0] = NULL;
    f->q[1] = "";
    f->nq = 2;
    CHECK_EQ_INT(objdec_layout_for(&f->lay, 1, family == OBJDEC_FAMILY_OLD ? 9 : 29,
                                   repr, &msg), RC_OK);
    f->type_type = rom(f, 64);
    put32(f, f->type_type, f->type_type);
    if (slots(f)) {
        put32(f, f->type_type + 4, qstr(f, "type") << 16);
        put8(f, f->type_type + 9, 1);
    } else {
        put32(f, f->type_type + 4, qstr(f, "type"));
        put32(f, f->type_type + 8, 0x1111);
    }
}

static uint32_t w_int(int32_t v)
{
    return (uint32_t)v << 1 | 1;
}

static uint32_t w_qstr(struct fake *f, const char *s)
{
    uint32_t q = qstr(f, s);
    if (f->lay.repr == OBJDEC_REPR_C) {
        return slots(f) ? q << 4 | 6 : q << 3 | 6;
    }
    return slots(f) ? q << 3 | 2 : q << 2 | 2;
}

/* None / False / True: immediates (v1.19+) or ROM objects (v1.9-v1.12). */
static uint32_t w_none(struct fake *f)
{
    if (slots(f)) {
        return f->lay.repr == OBJDEC_REPR_C ? 0xe : 6;
    }
    uint32_t o = rom(f, 4);
    put32(f, o, mktype(f, "NoneType", 1));
    return o;
}

static uint32_t w_bool(struct fake *f, int v)
{
    if (slots(f)) {
        uint32_t i = v ? 3 : 1;
        return f->lay.repr == OBJDEC_REPR_C ? i << 4 | 0xe : i << 3 | 6;
    }
    uint32_t o = rom(f, 8);
    put32(f, o, mktype(f, "bool", 1));
    put32(f, o + 4, (uint32_t)v);
    return o;
}

static uint32_t w_str_of(struct fake *f, const char *type, const char *s, size_t n)
{
    uint32_t data = ram(f, (uint32_t)n + 1);
    memcpy(at(f, data, (uint32_t)n), s, n);
    uint32_t o = ram(f, 16);
    put32(f, o, mktype(f, type, 1));
    put32(f, o + 4, 0x1234);
    put32(f, o + 8, (uint32_t)n);
    put32(f, o + 12, data);
    return o;
}

static uint32_t w_str(struct fake *f, const char *s)
{
    return w_str_of(f, "str", s, strlen(s));
}

static uint32_t w_list(struct fake *f, const uint32_t *items, uint32_t n, uint32_t alloc)
{
    uint32_t it = ram(f, 4 * alloc);
    for (uint32_t i = 0; i < n; i++) {
        put32(f, it + 4 * i, items[i]);
    }
    uint32_t o = ram(f, 16);
    put32(f, o, mktype(f, "list", 1));
    put32(f, o + 4, alloc);
    put32(f, o + 8, n);
    put32(f, o + 12, it);
    return o;
}

static uint32_t w_tuple(struct fake *f, const uint32_t *items, uint32_t n)
{
    uint32_t o = ram(f, 8 + 4 * n);
    put32(f, o, mktype(f, "tuple", 1));
    put32(f, o + 4, n);
    for (uint32_t i = 0; i < n; i++) {
        put32(f, o + 8 + 4 * i, items[i]);
    }
    return o;
}

/* A dict whose table has alloc slots; kv holds (key, value) per slot, key
 * 0 for an empty slot and 4 for a deleted one. */
static uint32_t w_dict_type(struct fake *f, const char *type, const uint32_t *kv,
                            uint32_t alloc, uint32_t used)
{
    uint32_t table = ram(f, 8 * alloc);
    for (uint32_t i = 0; i < 2 * alloc; i++) {
        put32(f, table + 4 * i, kv[i]);
    }
    uint32_t o = ram(f, 16);
    put32(f, o, mktype(f, type, 1));
    put32(f, o + 4, used << 3);
    put32(f, o + 8, alloc);
    put32(f, o + 12, table);
    return o;
}

static uint32_t w_dict(struct fake *f, const uint32_t *kv, uint32_t alloc, uint32_t used)
{
    return w_dict_type(f, "dict", kv, alloc, used);
}

static uint32_t w_set(struct fake *f, const char *type, const uint32_t *t,
                      uint32_t alloc, uint32_t used)
{
    uint32_t table = ram(f, 4 * alloc);
    for (uint32_t i = 0; i < alloc; i++) {
        put32(f, table + 4 * i, t[i]);
    }
    uint32_t o = ram(f, 16);
    put32(f, o, mktype(f, type, 1));
    put32(f, o + 4, alloc);
    put32(f, o + 8, used);
    put32(f, o + 12, table);
    return o;
}

static struct frozen_mem mem_of(struct fake *f)
{
    struct frozen_mem m = {fake_read, f};
    return m;
}

/* Decode and print word; "" when decoding failed (message in last_msg). */
static struct rc_msg last_msg;
static int last_rc;
static int last_exact;
static char text_buf[4096];

static const char *show_lim(struct fake *f, uint32_t word, const struct objdec_limits *lim)
{
    struct frozen_mem m = mem_of(f);
    struct objdec_qstr_ops qs = {fake_text, f};
    struct objdec_obj *o = NULL;
    memset(&last_msg, 0, sizeof last_msg);
    last_rc = objdec_decode(&f->lay, &m, &qs, word, lim, &o, &last_msg);
    if (last_rc != RC_OK) {
        CHECK(o == NULL);
        CHECK(last_msg.text[0] != '\0');
        return "";
    }
    char *t = NULL, *j = NULL;
    CHECK_EQ_INT(objdec_repr(o, &f->lay, &t, &last_msg), RC_OK);
    CHECK_EQ_INT(objdec_json(o, &f->lay, &j, &last_msg), RC_OK);
    last_exact = 0;
    /* the root's "exact" comes before its "items" */
    if (j != NULL) {
        const char *e = strstr(j, "\"exact\":");
        last_exact = e != NULL && strncmp(e + 8, "true", 4) == 0;
    }
    snprintf(text_buf, sizeof text_buf, "%s", t ? t : "");
    free(t);
    free(j);
    objdec_free(o);
    return text_buf;
}

static const char *show(struct fake *f, uint32_t word)
{
    return show_lim(f, word, NULL);
}

/* ---- both families --------------------------------------------------------- */

static const int families[2][2] = {
    {OBJDEC_FAMILY_OLD, OBJDEC_REPR_C},  /* the v1.9.2 micro:bit */
    {OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A} /* the v1.29 qemu firmware */
};

static struct fake F;

TEST(small_ints_and_qstrs)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        CHECK_STR(show(&F, w_int(0)), "0");
        CHECK_STR(show(&F, w_int(-1)), "-1");
        CHECK_STR(show(&F, w_int(1073741823)), "1073741823");
        CHECK_STR(show(&F, w_int(-1073741824)), "-1073741824");
        CHECK_STR(show(&F, w_qstr(&F, "abc")), "'abc'");
        CHECK_STR(show(&F, w_qstr(&F, "")), "''");
        CHECK_STR(show(&F, w_qstr(&F, "it's")), "\"it's\"");
    }
}

TEST(none_bools_ellipsis)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        CHECK_STR(show(&F, w_none(&F)), "None");
        CHECK_STR(show(&F, w_bool(&F, 1)), "True");
        CHECK_STR(show(&F, w_bool(&F, 0)), "False");
        uint32_t e = rom(&F, 8);
        put32(&F, e, mktype(&F, "", 1)); /* mp_type_singleton is named "" */
        put32(&F, e + 4, qstr(&F, "Ellipsis"));
        CHECK_STR(show(&F, e), "Ellipsis");
        CHECK(last_exact);
    }
    /* the words the v1.29 board gives: id(None) 0x6, id(True) 0x1e */
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    CHECK_STR(show(&F, 0x6), "None");
    CHECK_STR(show(&F, 0x1e), "True");
    CHECK_STR(show(&F, 0xe), "False");
    CHECK_STR(show(&F, 0x16), ""); /* immediate 2 is nothing */
    CHECK(strstr(last_msg.text, "unknown value 2") != NULL);
}

TEST(floats_inline_and_boxed)
{
    /* repr C (v1.9.2 micro:bit): the words id() gave there */
    setup(&F, OBJDEC_FAMILY_OLD, OBJDEC_REPR_C);
    CHECK_STR(show(&F, 0xc0000002u), "1.0");
    CHECK_STR(show(&F, 0x00800002u), "-0.0");
    CHECK_STR(show(&F, 0xbf2aaaaau), "0.333333"); /* 1/3 */
    CHECK_STR(show(&F, 0xe487867au), "1e+22");
    CHECK_STR(show(&F, 0x00000002u), "inf");
    CHECK_STR(show(&F, 0x00400002u), "nan");
    CHECK(last_exact);
    /* repr A (v1.29): boxed mp_obj_float_t {base, value} */
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    uint32_t ft = mktype(&F, "float", 1);
    const struct {
        uint32_t bits;
        const char *text;
    } v[] = {{0x3eaaaaab, "0.33333334"}, {0x80000000, "-0.0"},
             {0x4ceb79a3, "123456790.0"}, {0x4b189680, "10000000.0"}, {0x40200000, "2.5"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (v[i].text == NULL) {
            continue;
        }
        uint32_t o = ram(&F, 8);
        put32(&F, o, ft);
        put32(&F, o + 4, v[i].bits);
        CHECK_STR(show(&F, o), v[i].text);
    }
}

/* Every line "WORD TEXT" of a file read from a board: TEXT is repr() of the
 * float the word holds (bits for v1.29, a repr-C object word for v1.9.2). */
static void float_file(const char *path, int family, int repr, int minor)
{
    struct objdec_layout lay;
    struct rc_msg msg;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, minor, repr, &msg), RC_OK);
    (void)family;
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (fp == NULL) {
        return;
    }
    char line[128], want[64], got[64];
    unsigned w, n = 0, bad = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (sscanf(line, "%x %63s", &w, want) != 2) {
            continue;
        }
        uint32_t bits = repr == OBJDEC_REPR_C ? objdec_repr_c_float_bits(w) : w;
        objdec_float_repr(bits, &lay, got, sizeof got);
        n++;
        if (strcmp(got, want) != 0) {
            if (bad++ < 5) {
                printf("  %s: %08x: board %s, objdec %s\n", path, w, want, got);
            }
        }
    }
    fclose(fp);
    CHECK(n > 250);
    CHECK_EQ_INT(bad, 0);
}

TEST(float_text_as_the_boards_print_it)
{
    float_file("tests/data/objdec_floats_v192.txt", OBJDEC_FAMILY_OLD, OBJDEC_REPR_C, 9);
    float_file("tests/data/objdec_floats_v129.txt", OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A, 29);
}

TEST(big_ints)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t it = mktype(&F, "int", 1);
        /* 2**100: seven 16-bit digits, the top one 0x0010 */
        uint32_t dig = ram(&F, 16);
        put32(&F, dig + 12, 0x0010u);
        uint32_t o = ram(&F, 16);
        put32(&F, o, it);
        put32(&F, o + 4, 8u << 2);
        put32(&F, o + 8, 7);
        put32(&F, o + 12, dig);
        CHECK_STR(show(&F, o), "1267650600228229401496703205376");
        /* -2**70 (neg bit set): digits 0,0,0,0,0x40 */
        uint32_t dig2 = ram(&F, 16);
        put32(&F, dig2 + 8, 0x40u);
        uint32_t o2 = ram(&F, 16);
        put32(&F, o2, it);
        put32(&F, o2 + 4, 8u << 2 | 1);
        put32(&F, o2 + 8, 5);
        put32(&F, o2 + 12, dig2);
        CHECK_STR(show(&F, o2), "-1180591620717411303424");
        /* len 0 is zero; 10**4 boundary: 10000 = 0x2710 */
        put32(&F, o2 + 8, 0);
        CHECK_STR(show(&F, o2), "0");
        put32(&F, dig2, 0x2710);
        put32(&F, o2 + 4, 8u << 2);
        put32(&F, o2 + 8, 1);
        CHECK_STR(show(&F, o2), "10000");
        /* len beyond alloc */
        put32(&F, o2 + 8, 9);
        CHECK_STR(show(&F, o2), "");
        CHECK_EQ_INT(last_rc, RC_PARSE);
        CHECK(strstr(last_msg.text, "no sane big int") != NULL);
    }
}

TEST(strings_and_bytes)
{
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    /* what v1.29 printed for repr('a\'b"c\n\t\x01\x7f\u00e9') */
    CHECK_STR(show(&F, w_str(&F, "a'b\"c\n\t\x01\x7f\xc3\xa9")),
              "'a\\'b\"c\\n\\t\\x01\\x7f\xc3\xa9'");
    CHECK_STR(show(&F, w_str(&F, "it's")), "\"it's\"");
    CHECK_STR(show(&F, w_str(&F, "\"'")), "'\"\\''");
    CHECK_STR(show(&F, w_str(&F, "back\\slash\r")), "'back\\\\slash\\r'");
    CHECK_STR(show(&F, w_str_of(&F, "bytes", "\x00\xff'\"", 4)), "b'\\x00\\xff\\'\"'");
    CHECK_STR(show(&F, w_str_of(&F, "bytes", "", 0)), "b''");
    CHECK_STR(show(&F, w_str(&F, "")), "''");
    /* v1.29 prints every byte >= 0x80 of a str as it is (seen: U+0080,
     * U+00A0, U+20AC, U+1F600), controls and 0x7f escaped */
    CHECK_STR(show(&F, w_str(&F, "a\xc2\x80\xc2\xa0\xe2\x82\xac\xf0\x9f\x98\x80\x1b\x7f")),
              "'a\xc2\x80\xc2\xa0\xe2\x82\xac\xf0\x9f\x98\x80\\x1b\\x7f'");
    /* v1.9.2 (unicode on): by code point; str(b'a\xc3\xa9\xe2\x82\xac',
     * 'utf8') printed 'a\xe9\u20ac' there, str(b'\xff', 'utf8') '\x00' */
    setup(&F, OBJDEC_FAMILY_OLD, OBJDEC_REPR_C);
    CHECK_STR(show(&F, w_str(&F, "a\xc3\xa9\xe2\x82\xac")), "'a\\xe9\\u20ac'");
    CHECK_STR(show(&F, w_str(&F, "\xff")), "'\\x00'");
    CHECK_STR(show(&F, w_str(&F, "\xf0\x9f\x98\x80'")), "\"\\U0001f600'\"");
    CHECK_STR(show(&F, w_str_of(&F, "bytes", "\xc3\xa9", 2)), "b'\\xc3\\xa9'");
    F.lay.unicode = 0;
    CHECK_STR(show(&F, w_str(&F, "a\xc3\xa9")), "'a\\xc3\\xa9'");
    F.lay.unicode = 1;
    CHECK_STR(show(&F, w_str(&F, "a'b\"c\n\t\x01\x7f")), "'a\\'b\"c\\n\\t\\x01\\x7f'");
    /* cut: at most 16 bytes per allowed item are read */
    struct objdec_limits lim = {4, 1};
    CHECK_STR(show_lim(&F, w_str(&F, "0123456789abcdefXYZ"), &lim), "'0123456789abcdef'...");
    CHECK(!last_exact);
}

TEST(bytearray_array_memoryview)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t data = ram(&F, 16);
        memcpy(at(&F, data, 8), "x\x01\x00\x00\xfe\xff\xff\xff", 8);
        uint32_t ba = ram(&F, 16);
        put32(&F, ba, mktype(&F, "bytearray", 1));
        put32(&F, ba + 4, 1); /* BYTEARRAY_TYPECODE */
        put32(&F, ba + 8, 1);
        put32(&F, ba + 12, data);
        CHECK_STR(show(&F, ba), "bytearray(b'x')");
        put32(&F, ba + 8, 0);
        CHECK_STR(show(&F, ba), "bytearray(b'')");
        uint32_t at_ = mktype(&F, "array", 1);
        uint32_t a = ram(&F, 16);
        put32(&F, a, at_);
        put32(&F, a + 4, 'i');
        put32(&F, a + 8, 2);
        put32(&F, a + 12, data);
        memcpy(at(&F, data, 8), "\x01\x00\x00\x00\xfe\xff\xff\xff", 8);
        CHECK_STR(show(&F, a), "array('i', [1, -2])");
        put32(&F, a + 4, 'B');
        put32(&F, a + 8, 1);
        put8(&F, data, 255);
        CHECK_STR(show(&F, a), "array('B', [255])");
        put32(&F, a + 4, 'b');
        put32(&F, a + 8, 0);
        CHECK_STR(show(&F, a), "array('b')");
        put32(&F, a + 4, 'f');
        put32(&F, a + 8, 1);
        put32(&F, data, 0x3fc00000); /* 1.5 */
        CHECK_STR(show(&F, a), "array('f', [1.5])");
        put32(&F, a + 4, 'Z');
        CHECK_STR(show(&F, a), "");
        CHECK(strstr(last_msg.text, "typecode 0x5a") != NULL);
        /* v1.29's memoryview type has no print: "<memoryview>" */
        uint32_t mv = ram(&F, 16);
        put32(&F, mv, mktype(&F, "memoryview", 0));
        put32(&F, mv + 4, 'B');
        put32(&F, mv + 8, 2);
        put32(&F, mv + 12, data);
        CHECK_STR(show(&F, mv), "<memoryview>");
    }
}

TEST(lists_tuples_nesting_and_cuts)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t items[3] = {w_int(1), w_int(2), 0};
        CHECK_STR(show(&F, w_list(&F, items, 2, 4)), "[1, 2]");
        CHECK_STR(show(&F, w_list(&F, items, 0, 0)), "[]");
        CHECK_STR(show(&F, w_tuple(&F, items, 0)), "()");
        CHECK_STR(show(&F, w_tuple(&F, items, 1)), "(1,)");
        CHECK_STR(show(&F, w_tuple(&F, items, 2)), "(1, 2)");
        uint32_t inner = w_tuple(&F, items, 2);
        uint32_t nest[2] = {inner, w_qstr(&F, "s")};
        CHECK_STR(show(&F, w_list(&F, nest, 2, 2)), "[(1, 2), 's']");
        CHECK(last_exact);
        /* a list holding itself: MicroPython recurses until it gives up;
         * here the depth limit cuts it */
        uint32_t self = w_list(&F, items, 1, 1);
        put32(&F, self + 0, mktype(&F, "list", 1));
        uint32_t it;
        memcpy(&it, at(&F, self + 12, 4), 4);
        put32(&F, it, self);
        CHECK_STR(show(&F, self), "[[[[[...]]]]]");
        CHECK(!last_exact);
        struct objdec_limits lim = {1, 64};
        CHECK_STR(show_lim(&F, self, &lim), "[[...]]");
        /* items cut */
        uint32_t many[10];
        for (int i = 0; i < 10; i++) {
            many[i] = w_int(i);
        }
        lim.depth = 4;
        lim.max_items = 3;
        CHECK_STR(show_lim(&F, w_list(&F, many, 10, 10), &lim), "[0, 1, 2, ...]");
        CHECK_STR(show_lim(&F, w_tuple(&F, many, 10), &lim), "(0, 1, 2, ...)");
        lim.max_items = 0;
        CHECK_STR(show_lim(&F, w_list(&F, many, 10, 10), &lim), "[...]");
        /* 64 items, each the list itself, 64 levels deep: bounded work */
        uint32_t selfs[64];
        uint32_t big = w_list(&F, many, 0, 64);
        for (int i = 0; i < 64; i++) {
            selfs[i] = big;
        }
        memcpy(&it, at(&F, big + 12, 4), 4);
        for (int i = 0; i < 64; i++) {
            put32(&F, it + 4 * (uint32_t)i, big);
        }
        put32(&F, big + 8, 64);
        lim.depth = OBJDEC_MAX_DEPTH;
        lim.max_items = 64;
        CHECK_STR(show_lim(&F, big, &lim), "");
        CHECK_EQ_INT(last_rc, RC_PARSE);
        CHECK(strstr(last_msg.text, "lower the depth or item limits") != NULL);
        if (strstr(last_msg.text, "lower the depth") == NULL) {
            printf("  message: %s\n", last_msg.text);
        }
        (void)selfs;
        /* len beyond alloc */
        uint32_t bad = w_list(&F, many, 3, 3);
        put32(&F, bad + 8, 4);
        CHECK_STR(show(&F, bad), "");
        CHECK_EQ_INT(last_rc, RC_PARSE);
        CHECK(strstr(last_msg.text, "len 4, alloc 3") != NULL);
        /* an item that is no object: the error names where it was */
        uint32_t holes[2] = {w_int(1), 0x30000000u};
        uint32_t l = w_list(&F, holes, 2, 2);
        CHECK_STR(show(&F, l), "");
        CHECK_EQ_INT(last_rc, RC_NOTFOUND);
        CHECK(strstr(last_msg.text, "item 1 of list at") != NULL);
        CHECK(strstr(last_msg.text, "0x30000000") != NULL);
    }
}

/* The bytes of a field as stored: the word (or the bytes) at the object's
 * address plus the field's offset. */
static uint32_t stored(struct fake *f, const struct objdec_obj *o, size_t i)
{
    const struct objdec_field *fl = &o->fields[i];
    uint32_t v = 0;
    memcpy(&v, at(f, o->addr + fl->off, fl->size), fl->size);
    return v;
}

static struct objdec_obj *decode_of(struct fake *f, uint32_t word)
{
    struct frozen_mem m = mem_of(f);
    struct objdec_qstr_ops qs = {fake_text, f};
    struct objdec_obj *o = NULL;
    struct rc_msg msg;
    return objdec_decode(&f->lay, &m, &qs, word, NULL, &o, &msg) == RC_OK ? o : NULL;
}

/* Every field says where it is stored; every item where its word is. */
TEST(field_offsets)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t items[3] = {w_int(1), w_int(2), w_qstr(&F, "q")};
        uint32_t l = w_list(&F, items, 3, 4);
        struct objdec_obj *o = decode_of(&F, l);
        CHECK(o != NULL && o->nfields == 3 && o->hdr_len == 16);
        for (size_t i = 0; o != NULL && i < o->nfields; i++) {
            CHECK_EQ_INT(o->fields[i].size, 4);
            CHECK_EQ_INT(o->fields[i].off, 4 + 4 * (uint32_t)i);
            CHECK_EQ_INT(stored(&F, o, i), o->fields[i].value); /* alloc, len, items */
        }
        uint32_t arr = o != NULL ? o->fields[2].value : 0;
        for (size_t i = 0; o != NULL && i < o->nitems; i++) {
            CHECK_EQ_INT(o->items[i]->at, arr + 4 * (uint32_t)i);
            CHECK_EQ_INT(o->items[i]->word, items[i]);
        }
        CHECK(o == NULL || o->at == 0);
        objdec_free(o);

        /* a tuple's items are inline, after its len */
        uint32_t t = w_tuple(&F, items, 2);
        o = decode_of(&F, t);
        CHECK(o != NULL && o->nfields == 1 && o->fields[0].off == 4 &&
              stored(&F, o, 0) == 2);
        CHECK(o != NULL && o->nitems == 2 && o->items[0]->at == t + 8 &&
              o->items[1]->at == t + 12);
        objdec_free(o);

        /* a dict: used and flags share the word at +4; keys and values in
         * their slots of the table */
        uint32_t kv[6] = {0, 0, w_qstr(&F, "a"), w_int(1), w_int(2), w_int(3)};
        uint32_t d = w_dict(&F, kv, 3, 2);
        o = decode_of(&F, d);
        CHECK(o != NULL && o->nfields == 4);
        if (o != NULL && o->nfields == 4) {
            CHECK(o->fields[0].off == 4 && o->fields[1].off == 4);
            CHECK_EQ_INT(stored(&F, o, 0) >> 3, o->fields[0].value);
            CHECK(o->fields[2].off == 8 && stored(&F, o, 2) == 3);
            CHECK(o->fields[3].off == 12 && stored(&F, o, 3) == o->fields[3].value);
            uint32_t table = o->fields[3].value;
            CHECK(o->nitems == 4 && o->items[0]->at == table + 8 &&
                  o->items[1]->at == table + 12 && o->items[2]->at == table + 16 &&
                  o->items[3]->at == table + 20);
        }
        objdec_free(o);

        /* an array: typecode one byte at +4, free the three after it */
        uint32_t data = ram(&F, 16);
        uint32_t a = ram(&F, 16);
        put32(&F, a, mktype(&F, "array", 1));
        put32(&F, a + 4, 'h' | 5u << 8);
        put32(&F, a + 8, 2);
        put32(&F, a + 12, data);
        o = decode_of(&F, a);
        CHECK(o != NULL && o->nfields == 4);
        if (o != NULL && o->nfields == 4) {
            CHECK(o->fields[0].off == 4 && o->fields[0].size == 1 && stored(&F, o, 0) == 'h');
            CHECK(o->fields[1].off == 5 && o->fields[1].size == 3 && stored(&F, o, 1) == 5);
            CHECK(o->fields[3].off == 12 && stored(&F, o, 3) == data);
        }
        objdec_free(o);

        /* a str: hash, len, data; an interned str's qstr is in no memory */
        uint32_t st = w_str(&F, "hello");
        o = decode_of(&F, st);
        CHECK(o != NULL && o->nfields == 3 && o->fields[1].off == 8 && stored(&F, o, 1) == 5);
        objdec_free(o);
        o = decode_of(&F, w_qstr(&F, "q"));
        CHECK(o != NULL && o->nfields == 1 && o->fields[0].size == 0);
        objdec_free(o);
    }
}

TEST(dicts_in_table_order)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t one[1] = {w_int(3)};
        uint32_t kv[10] = {0, 0, w_qstr(&F, "a"), w_int(1), 4, 0,
                           w_int(2), w_tuple(&F, one, 1), 0, 0};
        /* {'a': 1, 2: (3,)}: empty and deleted slots are skipped */
        CHECK_STR(show(&F, w_dict(&F, kv, 5, 2)), "{'a': 1, 2: (3,)}");
        CHECK_STR(show(&F, w_dict(&F, kv, 0, 0)), "{}");
        CHECK_STR(show(&F, w_dict_type(&F, "OrderedDict", kv, 5, 2)),
                  "OrderedDict({'a': 1, 2: (3,)})");
        struct objdec_limits lim = {4, 1};
        CHECK_STR(show_lim(&F, w_dict(&F, kv, 5, 2), &lim), "{'a': 1, ...}");
        /* used beyond what the table holds, or beyond alloc */
        CHECK_STR(show(&F, w_dict(&F, kv, 5, 3)), "");
        CHECK(strstr(last_msg.text, "holds 2 entries, not the 3") != NULL);
        CHECK_STR(show(&F, w_dict(&F, kv, 5, 6)), "");
        CHECK(strstr(last_msg.text, "6 used entries in a table of 5") != NULL);
        uint32_t huge = w_dict(&F, kv, 5, 2);
        put32(&F, huge + 8, 0x7fffffff);
        CHECK_STR(show(&F, huge), "");
        CHECK(strstr(last_msg.text, "beyond any sane bound") != NULL);
    }
}

TEST(sets_and_frozensets)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t t[4] = {0, w_int(1), 4, w_qstr(&F, "x")};
        CHECK_STR(show(&F, w_set(&F, "set", t, 4, 2)), "{1, 'x'}");
        CHECK_STR(show(&F, w_set(&F, "set", t, 0, 0)), "set()");
        CHECK_STR(show(&F, w_set(&F, "frozenset", t, 0, 0)), "frozenset()");
        CHECK_STR(show(&F, w_set(&F, "frozenset", t, 2, 1)), "frozenset({1})");
    }
}

/* A bytecode function named name, and its prelude, per family:
 * v1.9: {type, globals, bytecode, const_table}, prelude n_state,
 * n_exc_stack, 4 bytes, code_info_size, simple_name (uint);
 * v1.29: {type, context, child_table, bytecode}, prelude sig, size, then
 * an index into context->constants.qstr_table. */
static uint32_t w_fun(struct fake *f, uint32_t ftype, const char *name)
{
    uint32_t bc = ram(f, 32), o = ram(f, 16);
    uint32_t q = qstr(f, name);
    put32(f, o, ftype);
    if (slots(f)) {
        uint32_t ctx = ram(f, 16), table = ram(f, 32);
        const uint8_t pre[] = {0x92, 0x01, 0x08, 0x0a, 0x11};
        memcpy(at(f, bc, sizeof pre), pre, sizeof pre);
        put32(f, ctx + 8, table);
        put8(f, table + 20, (uint8_t)q);
        put8(f, table + 21, (uint8_t)(q >> 8));
        put32(f, o + 4, ctx);
        put32(f, o + 12, bc);
    } else {
        const uint8_t pre[] = {0x03, 0x00, 0x00, 0x02, 0x00, 0x01, 0x0a,
                               (uint8_t)(0x80 | q >> 7), (uint8_t)(q & 0x7f), 0x11};
        memcpy(at(f, bc, sizeof pre), pre, sizeof pre);
        put32(f, o + 4, 0x20000198);
        put32(f, o + 8, bc);
    }
    return o;
}

TEST(functions_generators_closures_methods)
{
    char want[96];
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        uint32_t ft = mktype(&F, "function", 1);
        uint32_t fn = w_fun(&F, ft, "fc");
        snprintf(want, sizeof want, "<function fc at 0x%x>", fn);
        CHECK_STR(show(&F, fn), want);
        CHECK(last_exact);
        /* builtins (and v1.9.2's fun_bc) have no print: "<function>" */
        uint32_t bi = ram(&F, 8);
        put32(&F, bi, mktype(&F, "function", 0));
        CHECK_STR(show(&F, bi), "<function>");
        /* a generator instance names its function; the generator
         * function itself has no print */
        uint32_t g = ram(&F, 16);
        put32(&F, g, mktype(&F, "generator", 1));
        put32(&F, g + 4, 6);
        put32(&F, g + 8, w_fun(&F, ft, "g"));
        snprintf(want, sizeof want, "<generator object 'g' at %x>", g);
        CHECK_STR(show(&F, g), want);
        put32(&F, g, mktype(&F, "generator", 0));
        CHECK_STR(show(&F, g), "<generator>");
        uint32_t c = ram(&F, 16);
        put32(&F, c, mktype(&F, "closure", 0));
        put32(&F, c + 4, fn);
        put32(&F, c + 8, 1);
        CHECK_STR(show(&F, c), "<closure>");
        uint32_t bm = ram(&F, 16);
        put32(&F, bm, mktype(&F, "bound_method", 0));
        put32(&F, bm + 4, fn);
        put32(&F, bm + 8, w_int(0));
        CHECK_STR(show(&F, bm), "<bound_method>");
        CHECK(last_exact);
        /* a prelude that never ends */
        uint32_t broken = w_fun(&F, ft, "h");
        uint32_t bc;
        memcpy(&bc, at(&F, broken + (slots(&F) ? 12 : 8), 4), 4);
        memset(at(&F, bc, 24), 0xff, 24);
        CHECK_STR(show(&F, broken), "");
        CHECK(strstr(last_msg.text, "prelude") != NULL);
    }
}

TEST(prelude_variants)
{
    char want[96];
    /* v1.9 with MICROPY_PERSISTENT_CODE: the simple name is 2 raw bytes */
    setup(&F, OBJDEC_FAMILY_OLD, OBJDEC_REPR_C);
    F.lay.persistent_code = 1;
    uint32_t ft = mktype(&F, "function", 1);
    uint32_t fn = w_fun(&F, ft, "pc");
    uint32_t bc;
    memcpy(&bc, at(&F, fn + 8, 4), 4);
    uint32_t q = qstr(&F, "pc");
    put8(&F, bc + 7, (uint8_t)q);
    put8(&F, bc + 8, (uint8_t)(q >> 8));
    snprintf(want, sizeof want, "<function pc at 0x%x>", fn);
    CHECK_STR(show(&F, fn), want);
    /* v1.12: MP_BC_PRELUDE_SIG (0x80-continued), MP_BC_PRELUDE_SIZE, name */
    F.lay.persistent_code = 0;
    F.lay.minor = 12;
    q = qstr(&F, "twelve");
    const uint8_t pre[] = {0x92, 0x81, 0x01, 0x08, (uint8_t)(0x80 | q >> 7), (uint8_t)(q & 0x7f)};
    memcpy(at(&F, bc, sizeof pre), pre, sizeof pre);
    snprintf(want, sizeof want, "<function twelve at 0x%x>", fn);
    CHECK_STR(show(&F, fn), want);
    /* v1.19: flags and name as in v1.20+, then function pointers (print at
     * +8), no slot indices */
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    F.lay.minor = 19;
    uint32_t t = rom(&F, 64);
    put32(&F, t, F.type_type);
    put32(&F, t + 4, qstr(&F, "range") << 16);
    uint32_t r = ram(&F, 16);
    put32(&F, r, t);
    CHECK_STR(show(&F, r), "<range>");
    put32(&F, t + 8, 0x1235);
    snprintf(want, sizeof want, "<range object at %x>", r);
    CHECK_STR(show(&F, r), want);
    CHECK(!last_exact);
    /* arrays of 'q', 'd' and 'H' */
    uint32_t data = ram(&F, 16), a = ram(&F, 16);
    put32(&F, a, mktype(&F, "array", 1));
    put32(&F, a + 4, 'q');
    put32(&F, a + 8, 1);
    put32(&F, a + 12, data);
    put32(&F, data, 0xfffffffe);
    put32(&F, data + 4, 0xffffffff);
    CHECK_STR(show(&F, a), "array('q', [-2])");
    put32(&F, a + 4, 'd');
    put32(&F, data, 0);
    put32(&F, data + 4, 0x3ff80000); /* 1.5 */
    CHECK_STR(show(&F, a), "array('d', [1.5])");
    put32(&F, a + 4, 'H');
    put32(&F, a + 8, 2);
    put32(&F, data, 0x0001ffff);
    CHECK_STR(show(&F, a), "array('H', [65535, 1])");
}

TEST(classes_instances_modules_others)
{
    char want[96];
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        CHECK_STR(show(&F, F.type_type), "<class 'type'>");
        CHECK_STR(show(&F, mktype(&F, "int", 1)), "<class 'int'>");
        uint32_t a = mktype_full(&F, "A", 1, 0x021c, 0);
        CHECK_STR(show(&F, a), "<class 'A'>");
        uint32_t inst = ram(&F, 16);
        put32(&F, inst, a);
        put32(&F, inst + 4, 1);
        snprintf(want, sizeof want, "<A object at %x>", inst);
        CHECK_STR(show(&F, inst), want);
        /* OLD types carry no instance flag: only a known instance_print
         * tells a user class */
        CHECK(last_exact == slots(&F));
        F.lay.instance_print = 0x4321;
        CHECK_STR(show(&F, inst), want);
        CHECK(last_exact);
        /* a type with its own print that is not modelled */
        uint32_t r = ram(&F, 16);
        put32(&F, r, mktype(&F, "range", 1));
        snprintf(want, sizeof want, "<range object at %x>", r);
        CHECK_STR(show(&F, r), want);
        CHECK(!last_exact);
        put32(&F, r, mktype(&F, "iterator", 0));
        CHECK_STR(show(&F, r), "<iterator>");
        CHECK(last_exact);
        /* modules: __name__ (and __file__) from the globals dict */
        uint32_t kv[6] = {w_qstr(&F, "__name__"), w_qstr(&F, "sys"),
                          w_qstr(&F, "path"), w_int(0), 0, 0};
        uint32_t g = w_dict(&F, kv, 3, 2);
        uint32_t m = ram(&F, 8);
        put32(&F, m, mktype(&F, "module", 1));
        put32(&F, m + 4, g);
        CHECK_STR(show(&F, m), "<module 'sys'>");
        kv[4] = w_qstr(&F, "__file__");
        kv[5] = w_str(&F, "lib/x.py");
        put32(&F, m + 4, w_dict(&F, kv, 3, 3));
        CHECK_STR(show(&F, m), "<module 'sys' from 'lib/x.py'>");
    }
    /* a user class with its own __repr__ is marked not exact */
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        F.lay.instance_print = 0x4321;
        uint32_t kv[2] = {w_qstr(&F, "__repr__"), w_int(0)};
        uint32_t b = mktype_full(&F, "B", 1, 0x0200, w_dict(&F, kv, 1, 1));
        uint32_t inst = ram(&F, 16);
        put32(&F, inst, b);
        snprintf(want, sizeof want, "<B object at %x>", inst);
        CHECK_STR(show(&F, inst), want);
        CHECK(!last_exact);
        kv[0] = w_qstr(&F, "__init__");
        uint32_t c = mktype_full(&F, "B", 1, 0x0200, w_dict(&F, kv, 1, 1));
        put32(&F, inst, c);
        CHECK_STR(show(&F, inst), want);
        CHECK(last_exact);
        /* with a base class (class B(list): ...) the text may differ */
        if (slots(&F)) {
            put8(&F, c + 18, 3);
        } else {
            put32(&F, c + 52, F.type_type);
        }
        CHECK_STR(show(&F, inst), want);
        CHECK(!last_exact);
    }
}

TEST(words_that_are_no_objects)
{
    for (int k = 0; k < 2; k++) {
        setup(&F, families[k][0], families[k][1]);
        CHECK_STR(show(&F, 0), "");
        CHECK(strstr(last_msg.text, "MP_OBJ_NULL") != NULL);
        CHECK_STR(show(&F, 0x30000000u), "");
        CHECK_EQ_INT(last_rc, RC_NOTFOUND);
        CHECK(strstr(last_msg.text, "0x30000000") != NULL);
        /* the first word points at something that is no type */
        uint32_t o = ram(&F, 16);
        uint32_t fake_type = ram(&F, 16);
        put32(&F, o, fake_type);
        put32(&F, fake_type, ram(&F, 16));
        CHECK_STR(show(&F, o), "");
        CHECK_EQ_INT(last_rc, RC_PARSE);
        CHECK(strstr(last_msg.text, "is no type object") != NULL);
        /* a self-typed object not named "type" */
        uint32_t t2 = ram(&F, 16);
        put32(&F, t2, t2);
        put32(&F, t2 + 4, slots(&F) ? qstr(&F, "list") << 16 : qstr(&F, "list"));
        uint32_t o2 = ram(&F, 16);
        uint32_t lt = ram(&F, 16);
        put32(&F, lt, t2);
        put32(&F, o2, lt);
        CHECK_STR(show(&F, o2), "");
        CHECK(strstr(last_msg.text, "named 'list', not 'type'") != NULL);
        /* a name with a line break stays on one line in the message */
        put32(&F, t2 + 4, slots(&F) ? qstr(&F, "a\nb") << 16 : qstr(&F, "a\nb"));
        CHECK_STR(show(&F, o2), "");
        CHECK(strstr(last_msg.text, "named 'a?b', not 'type'") != NULL);
        /* a type pointer out of memory, or misaligned */
        put32(&F, o2, 0x40000000u);
        CHECK_STR(show(&F, o2), "");
        CHECK_EQ_INT(last_rc, RC_NOTFOUND);
        put32(&F, o2, 0x20000002u);
        CHECK_STR(show(&F, o2), "");
        CHECK(strstr(last_msg.text, "not an object address") != NULL);
        /* a qstr without text */
        F.fail_qstr = (int)qstr(&F, "lost");
        CHECK_STR(show(&F, w_qstr(&F, "lost")), "");
        CHECK(strstr(last_msg.text, "has no text") != NULL);
        F.fail_qstr = 0;
        /* str longer than memory */
        uint32_t s = w_str(&F, "abc");
        put32(&F, s + 8, 100);
        put32(&F, s + 12, RAM_BASE + MEM_SIZE - 2);
        CHECK_STR(show(&F, s), "");
        CHECK_EQ_INT(last_rc, RC_NOTFOUND);
        /* inside a list: the message names the item, then the object */
        uint32_t holder[2] = {w_int(7), s};
        uint32_t l = w_list(&F, holder, 2, 2);
        char want[256];
        snprintf(want, sizeof want, "item 1 of list at 0x%08x: str at 0x%08x: data at "
                 "0x%08x (100 bytes) is not readable: no memory at 0x%08x", l, s,
                 RAM_BASE + MEM_SIZE - 2, RAM_BASE + MEM_SIZE - 2);
        CHECK_STR(show(&F, l), "");
        CHECK_STR(last_msg.text, want);
    }
}

TEST(layouts_and_arguments)
{
    struct objdec_layout lay;
    struct rc_msg msg;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 15, OBJDEC_REPR_A, &msg), RC_UNSUPP);
    CHECK(strstr(msg.text, "1.15") != NULL);
    CHECK_EQ_INT(objdec_layout_for(&lay, 2, 0, OBJDEC_REPR_A, &msg), RC_UNSUPP);
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 20, 2, &msg), RC_UNSUPP);
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 12, OBJDEC_REPR_C, &msg), RC_OK);
    CHECK_EQ_INT(lay.family, OBJDEC_FAMILY_OLD);
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 19, OBJDEC_REPR_A, &msg), RC_OK);
    CHECK_EQ_INT(lay.family, OBJDEC_FAMILY_SLOTS);
    CHECK_EQ_INT(lay.float_text, OBJDEC_FLOAT_G);
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 25, OBJDEC_REPR_A, &msg), RC_OK);
    CHECK_EQ_INT(lay.float_text, OBJDEC_FLOAT_UNKNOWN);
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    struct frozen_mem m = mem_of(&F);
    struct objdec_qstr_ops qs = {fake_text, &F};
    struct objdec_obj *o = (struct objdec_obj *)&F;
    struct objdec_limits lim = {OBJDEC_MAX_DEPTH + 1, 1};
    CHECK_EQ_INT(objdec_decode(&F.lay, &m, &qs, 1, &lim, &o, &msg), RC_ARG);
    CHECK(o == NULL);
    F.lay.word_size = 8;
    CHECK_EQ_INT(objdec_decode(&F.lay, &m, &qs, 1, NULL, &o, &msg), RC_UNSUPP);
    /* a float in an UNKNOWN-formatter layout prints but is not exact */
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    F.lay.float_text = OBJDEC_FLOAT_UNKNOWN;
    uint32_t fo = ram(&F, 8);
    put32(&F, fo, mktype(&F, "float", 1));
    put32(&F, fo + 4, 0x40200000);
    CHECK_STR(show(&F, fo), "2.5");
    CHECK(!last_exact);
}

TEST(json_form)
{
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    uint32_t items[2] = {w_int(1), w_qstr(&F, "a\"b")};
    uint32_t l = w_list(&F, items, 2, 4);
    struct frozen_mem m = mem_of(&F);
    struct objdec_qstr_ops qs = {fake_text, &F};
    struct objdec_obj *o = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(objdec_decode(&F.lay, &m, &qs, l, NULL, &o, &msg), RC_OK);
    char *j = NULL, want[512];
    CHECK_EQ_INT(objdec_json(o, &F.lay, &j, &msg), RC_OK);
    uint32_t it;
    memcpy(&it, at(&F, l + 12, 4), 4);
    snprintf(want, sizeof want,
             "{\"type\":\"list\",\"word\":\"0x%08x\",\"addr\":\"0x%08x\","
             "\"type_addr\":\"0x%08x\",\"fields\":{\"alloc\":4,\"len\":2,"
             "\"items\":\"0x%08x\"},\"value\":\"[1, 'a\\\"b']\",\"exact\":true,"
             "\"items\":[{\"type\":\"int\",\"word\":\"0x00000003\",\"value\":\"1\","
             "\"exact\":true},{\"type\":\"str\",\"word\":\"0x%08x\",\"fields\":"
             "{\"qstr\":%u},\"value\":\"'a\\\"b'\",\"exact\":true}]}",
             l, l, o->type_addr, it, items[1], items[1] >> 3);
    CHECK_STR(j, want);
    CHECK_EQ_INT(o->nfields, 3);
    CHECK_STR(o->fields[2].name, "items");
    CHECK_EQ_INT(o->fields[2].value, it);
    free(j);
    objdec_free(o);
    /* UTF-8 stays as it is in JSON; other high bytes become \u00NN */
    uint32_t s8 = w_str(&F, "\xc3\xa9\xff\x01");
    CHECK_EQ_INT(objdec_decode(&F.lay, &m, &qs, s8, NULL, &o, &msg), RC_OK);
    CHECK_EQ_INT(objdec_json(o, &F.lay, &j, &msg), RC_OK);
    CHECK(j != NULL && strstr(j, "\"value\":\"'\xc3\xa9\\u00ff\\\\x01'\"") != NULL);
    free(j);
    objdec_free(o);
}

TEST(reads_are_few)
{
    /* a list of 64 small ints: the object, its type (and `type`), and one
     * read of all the items */
    setup(&F, OBJDEC_FAMILY_SLOTS, OBJDEC_REPR_A);
    uint32_t many[64];
    for (int i = 0; i < 64; i++) {
        many[i] = w_int(i);
    }
    uint32_t l = w_list(&F, many, 64, 64);
    F.reads = 0;
    show(&F, l);
    CHECK(F.reads <= 6);
    /* 16 str objects: each object and its data, the str type once */
    uint32_t strs[16];
    for (int i = 0; i < 16; i++) {
        strs[i] = w_str(&F, "s");
        uint32_t t0;
        memcpy(&t0, at(&F, strs[0], 4), 4);
        put32(&F, strs[i], t0); /* one str type, as on a board */
    }
    l = w_list(&F, strs, 16, 16);
    F.reads = 0;
    CHECK_STR(show(&F, l), "['s', 's', 's', 's', 's', 's', 's', 's', 's', 's', 's', 's', 's', "
                           "'s', 's', 's']");
    CHECK(F.reads <= 4 + 2 * 16 + 1);
    /* 8 instances of one class: its locals dict is searched once */
    uint32_t kv[2] = {w_qstr(&F, "__init__"), w_int(0)};
    uint32_t cls = mktype_full(&F, "B", 1, 0x0200, w_dict(&F, kv, 1, 1));
    uint32_t insts[8];
    for (int i = 0; i < 8; i++) {
        insts[i] = ram(&F, 16);
        put32(&F, insts[i], cls);
    }
    l = w_list(&F, insts, 8, 8);
    F.reads = 0;
    show(&F, l);
    CHECK(last_exact);
    CHECK(F.reads <= 4 + 8 + 1 + 3);

}

/* ---- the v1.29 firmware's own objects, from its ELF ------------------------ */

struct elfq {
    struct image *img;
    uint32_t pool;
};

static int img_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                    struct rc_msg *msg)
{
    struct elfq *e = ctx;
    if (image_copy(e->img, addr, len, out) != len) {
        return rc_set(msg, RC_NOTFOUND, "the ELF holds no bytes at 0x%08x", addr);
    }
    return RC_OK;
}

static uint32_t img32(struct elfq *e, uint32_t a)
{
    uint8_t b[4] = {0};
    image_copy(e->img, a, 4, b);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* qstr text from mp_qstr_const_pool and the pools before it (v1.20+
 * qstr_pool_t: prev, total_prev_len:31|is_sorted:1, alloc, len, hashes*,
 * lengths* (uint8), qstrs[]; a qstr's number is total_prev_len + index) */
static int elf_text(void *ctx, uint32_t q, char *buf, size_t size, struct rc_msg *msg)
{
    struct elfq *e = ctx;
    uint32_t pool = e->pool;
    for (int hops = 0; pool != 0 && hops < 8; hops++) {
        uint32_t first = img32(e, pool + 4) & 0x7fffffffu;
        uint32_t len = img32(e, pool + 12), lengths = img32(e, pool + 20);
        if (q < first) {
            pool = img32(e, pool);
            continue;
        }
        if (q - first >= len) {
            break;
        }
        uint8_t n = 0;
        image_copy(e->img, lengths + (q - first), 1, &n);
        if ((size_t)n + 1 > size) {
            return rc_set(msg, RC_ARG, "qstr %u too long", q);
        }
        memset(buf, 0, size);
        image_copy(e->img, img32(e, pool + 24 + 4 * (q - first)), n, (uint8_t *)buf);
        return RC_OK;
    }
    return rc_set(msg, RC_NOTFOUND, "qstr %u is in no const pool", q);
}

TEST(v129_elf_rom_objects)
{
    const char *path = getenv("MPEEK_MODERN_FIRMWARE");
    if (path == NULL) {
        path = "../shared/firmware/micropython-1.29-qemu-microbit.elf";
    }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        SKIP("needs the v1.29 firmware ELF (../shared/firmware/; set "
             "MPEEK_MODERN_FIRMWARE to its path)");
    }
    fclose(fp);
    struct elfq e = {NULL, 0};
    struct rc_msg msg;
    CHECK_EQ_INT(image_load(path, 0, 0, &e.img, &msg), RC_OK);
    if (e.img == NULL) {
        return;
    }
    const struct image_sym *pool = image_sym_find(e.img, "mp_qstr_const_pool");
    CHECK(pool != NULL);
    e.pool = pool ? pool->addr : 0;
    struct objdec_layout lay;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 29, OBJDEC_REPR_A, &msg), RC_OK);
    struct frozen_mem m = {img_read, &e};
    struct objdec_qstr_ops qs = {elf_text, &e};
    const struct {
        const char *sym;
        const char *text;
    } cases[] = {
        {"mp_type_list", "<class 'list'>"},
        {"mp_type_dict", "<class 'dict'>"},
        {"mp_type_type", "<class 'type'>"},
        {"mp_type_int", "<class 'int'>"},
        {"mp_type_memoryview", "<class 'memoryview'>"},
        {"mp_const_ellipsis_obj", "Ellipsis"},
        {"mp_const_empty_tuple_obj", "()"},
        {"mp_module_sys", "<module 'sys'>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct image_sym *s = image_sym_find(e.img, cases[i].sym);
        CHECK(s != NULL);
        if (s == NULL) {
            continue;
        }
        struct objdec_obj *o = NULL;
        int rc = objdec_decode(&lay, &m, &qs, s->addr, NULL, &o, &msg);
        if (rc != RC_OK) {
            printf("  %s: %s\n", cases[i].sym, msg.text);
        }
        CHECK_EQ_INT(rc, RC_OK);
        char *t = NULL;
        if (o != NULL && objdec_repr(o, &lay, &t, &msg) == RC_OK) {
            CHECK_STR(t, cases[i].text);
        }
        free(t);
        objdec_free(o);
    }
    /* a word inside a function's code is no object */
    const struct image_sym *fn = image_sym_find(e.img, "mp_format_float");
    if (fn != NULL) {
        struct objdec_obj *o = NULL;
        CHECK(objdec_decode(&lay, &m, &qs, fn->addr & ~3u, NULL, &o, &msg) != RC_OK);
        CHECK(o == NULL);
    }
    image_free(e.img);
}

/* RAM lines "ADDR w0 .. w7" of a board snapshot over the ELF's bytes. */
struct snap {
    struct elfq e;
    uint32_t lo, hi;
    uint8_t *ram;
};

static int snap_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    struct snap *s = ctx;
    if (addr >= s->lo && (uint64_t)addr + len <= s->hi) {
        memcpy(out, s->ram + (addr - s->lo), len);
        return RC_OK;
    }
    if (addr >= s->lo && addr < 0x20040000u) {
        return rc_set(msg, RC_NOTFOUND, "RAM at 0x%08x is not in the snapshot", addr);
    }
    return img_read(&s->e, addr, len, out, msg);
}

static uint32_t snap32(struct snap *s, uint32_t a)
{
    uint8_t b[4] = {0};
    struct rc_msg m;
    snap_read(s, a, 4, b, &m);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* qstr text through the RAM pools (found in the snapshot: a pool whose
 * prev is the last ROM pool) and then the ROM ones.  v1.20+ pools hold
 * lengths[] and qstrs[] at +24; v1.9 pools {prev, total_prev_len, alloc,
 * len, qstrs[]} point at entries of hash (1 byte), length (1 byte), text. */
static uint32_t snap_pool;
static int snap_old_pools;
static int snap_text(void *ctx, uint32_t q, char *buf, size_t size, struct rc_msg *msg)
{
    struct snap *s = ctx;
    uint32_t pool = snap_pool;
    for (int hops = 0; pool != 0 && hops < 16; hops++) {
        uint32_t first = snap32(s, pool + 4) & 0x7fffffffu;
        uint32_t len = snap32(s, pool + 12);
        if (q < first) {
            pool = snap32(s, pool);
            continue;
        }
        if (q - first >= len) {
            break;
        }
        uint8_t n = 0;
        uint32_t text;
        if (snap_old_pools) {
            uint32_t entry = snap32(s, pool + 16 + 4 * (q - first));
            snap_read(s, entry + 1, 1, &n, msg);
            text = entry + 2;
        } else {
            snap_read(s, snap32(s, pool + 20) + (q - first), 1, &n, msg);
            text = snap32(s, pool + 24 + 4 * (q - first));
        }
        if ((size_t)n + 1 > size) {
            return rc_set(msg, RC_ARG, "qstr %u too long", q);
        }
        memset(buf, 0, size);
        snap_read(s, text, n, (uint8_t *)buf, msg);
        return RC_OK;
    }
    return rc_set(msg, RC_NOTFOUND, "qstr %u is in no pool", q);
}

/* Fill the snapshot's RAM from the data file; ROOT, REPR lines. */
static int snap_load(struct snap *s, const char *path, uint32_t *root, char *want,
                     size_t wsize)
{
    static char line[8192];
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, in) != NULL) {
        unsigned a, w[8];
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "ROOT ", 5) == 0) {
            *root = (uint32_t)strtoul(line + 5, NULL, 16);
        } else if (strncmp(line, "REPR ", 5) == 0) {
            snprintf(want, wsize, "%s", line + 5);
        } else if (sscanf(line, "%x %x %x %x %x %x %x %x %x", &a, &w[0], &w[1], &w[2],
                          &w[3], &w[4], &w[5], &w[6], &w[7]) == 9 &&
                   a >= s->lo && a + 32 <= s->hi) {
            for (int i = 0; i < 8; i++) {
                for (int k = 0; k < 4; k++) {
                    s->ram[a - s->lo + 4u * (uint32_t)i + (uint32_t)k] =
                        (uint8_t)(w[i] >> (8 * k));
                }
            }
        }
    }
    fclose(in);
    return 0;
}

/* The newest RAM qstr pool chained (maybe through others) to rom_pool:
 * prev == the pool before it, total_prev_len == its total. */
static uint32_t newest_pool(struct snap *s, uint32_t rom_pool)
{
    uint32_t pool = rom_pool;
    for (int more = 1; more;) {
        more = 0;
        for (uint32_t a = s->lo; a + 16 <= s->hi; a += 4) {
            if (pool != 0 && snap32(s, a) == pool &&
                (snap32(s, a + 4) & 0x7fffffffu) ==
                    (snap32(s, pool + 4) & 0x7fffffffu) + snap32(s, pool + 12)) {
                pool = a;
                more = 1;
                break;
            }
        }
    }
    return pool;
}

TEST(v129_heap_snapshot)
{
    const char *path = getenv("MPEEK_MODERN_FIRMWARE");
    if (path == NULL) {
        path = "../shared/firmware/micropython-1.29-qemu-microbit.elf";
    }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        SKIP("needs the v1.29 firmware ELF (../shared/firmware/; set "
             "MPEEK_MODERN_FIRMWARE to its path)");
    }
    fclose(fp);
    static struct snap s;
    struct rc_msg msg;
    memset(&s, 0, sizeof s);
    s.lo = 0x20000000u;
    s.hi = 0x20006000u;
    s.ram = calloc(1, s.hi - s.lo);
    CHECK_EQ_INT(image_load(path, 0, 0, &s.e.img, &msg), RC_OK);
    CHECK(s.ram != NULL && s.e.img != NULL);
    if (s.ram == NULL || s.e.img == NULL) {
        free(s.ram);
        image_free(s.e.img);
        return;
    }
    static char want[8192];
    uint32_t root = 0;
    CHECK_EQ_INT(snap_load(&s, "tests/data/objdec_v129_heap.txt", &root, want, sizeof want), 0);
    const struct image_sym *frozen = image_sym_find(s.e.img, "mp_qstr_frozen_const_pool");
    const struct image_sym *cpool = image_sym_find(s.e.img, "mp_qstr_const_pool");
    CHECK(cpool != NULL);
    snap_old_pools = 0;
    snap_pool = newest_pool(&s, frozen ? frozen->addr : cpool ? cpool->addr : 0);
    struct objdec_layout lay;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 29, OBJDEC_REPR_A, &msg), RC_OK);
    struct frozen_mem m = {snap_read, &s};
    struct objdec_qstr_ops qs = {snap_text, &s};
    struct objdec_obj *o = NULL;
    CHECK(root != 0 && want[0] == '[');
    int rc = objdec_decode(&lay, &m, &qs, root, NULL, &o, &msg);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
    }
    CHECK_EQ_INT(rc, RC_OK);
    char *t = NULL;
    if (o != NULL && objdec_repr(o, &lay, &t, &msg) == RC_OK) {
        CHECK_STR(t, want);
        /* everything in it is modelled: the JSON says exact */
        char *js = NULL;
        CHECK_EQ_INT(objdec_json(o, &lay, &js, &msg), RC_OK);
        const char *ex = js ? strstr(js, "\"exact\":") : NULL;
        CHECK(ex != NULL && strncmp(ex, "\"exact\":true", 12) == 0);
        free(js);
    }
    free(t);
    objdec_free(o);
    free(s.ram);
    image_free(s.e.img);
}

/* The ROM qstr pool of a v1.9 image without symbols: a header {prev 0,
 * total_prev_len 0, alloc, len} followed by len pointers at entries
 * (hash, length, text, NUL), the second of them the empty qstr. */
static uint32_t find_old_pool(struct snap *s, uint32_t lo, uint32_t hi)
{
    for (uint32_t a = lo; a + 32 <= hi; a += 4) {
        uint32_t len = snap32(s, a + 12);
        if (snap32(s, a) != 0 || snap32(s, a + 4) != 0 || len < 100 || len > 4096) {
            continue;
        }
        int ok = 1;
        for (uint32_t i = 1; ok && i < 8; i++) {
            uint32_t e = snap32(s, a + 16 + 4 * i);
            uint8_t b[2] = {0xff, 0xff}, nul = 0xff;
            struct rc_msg m;
            ok = snap_read(s, e, 2, b, &m) == RC_OK &&
                 snap_read(s, e + 2 + b[1], 1, &nul, &m) == RC_OK && nul == 0 &&
                 (i != 1 || b[1] == 0);
        }
        if (ok) {
            return a;
        }
    }
    return 0;
}

TEST(v192_heap_snapshot)
{
    const char *hex = "/usr/share/firmware-microbit-micropython/firmware.hex";
    FILE *fp = fopen(hex, "rb");
    if (fp == NULL) {
        SKIP("needs the micro:bit firmware (package firmware-microbit-micropython)");
    }
    fclose(fp);
    static struct snap s;
    struct rc_msg msg;
    memset(&s, 0, sizeof s);
    s.lo = 0x20000000u;
    s.hi = 0x20004000u;
    s.ram = calloc(1, s.hi - s.lo);
    CHECK_EQ_INT(image_load(hex, 0, 0, &s.e.img, &msg), RC_OK);
    if (s.ram == NULL || s.e.img == NULL) {
        free(s.ram);
        image_free(s.e.img);
        return;
    }
    static char want[8192];
    uint32_t root = 0;
    CHECK_EQ_INT(snap_load(&s, "tests/data/objdec_v192_heap.txt", &root, want, sizeof want), 0);
    CHECK(root != 0 && want[0] == '[');
    uint32_t rom_pool = find_old_pool(&s, 0x18000, 0x40000);
    CHECK(rom_pool != 0);
    snap_old_pools = 1;
    snap_pool = newest_pool(&s, rom_pool);
    struct objdec_layout lay;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 9, OBJDEC_REPR_C, &msg), RC_OK);
    struct frozen_mem m = {snap_read, &s};
    struct objdec_qstr_ops qs = {snap_text, &s};
    struct objdec_obj *o = NULL;
    int rc = objdec_decode(&lay, &m, &qs, root, NULL, &o, &msg);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
    }
    CHECK_EQ_INT(rc, RC_OK);
    char *t = NULL;
    if (o != NULL && objdec_repr(o, &lay, &t, &msg) == RC_OK) {
        CHECK_STR(t, want);
    }
    free(t);
    objdec_free(o);
    free(s.ram);
    image_free(s.e.img);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(small_ints_and_qstrs);
    RUN(none_bools_ellipsis);
    RUN(floats_inline_and_boxed);
    RUN(float_text_as_the_boards_print_it);
    RUN(big_ints);
    RUN(strings_and_bytes);
    RUN(bytearray_array_memoryview);
    RUN(field_offsets);
    RUN(lists_tuples_nesting_and_cuts);
    RUN(dicts_in_table_order);
    RUN(sets_and_frozensets);
    RUN(functions_generators_closures_methods);
    RUN(prelude_variants);
    RUN(classes_instances_modules_others);
    RUN(words_that_are_no_objects);
    RUN(layouts_and_arguments);
    RUN(json_form);
    RUN(reads_are_few);
    RUN(v129_elf_rom_objects);
    RUN(v129_heap_snapshot);
    RUN(v192_heap_snapshot);
    return harness_done("objdec");
}
