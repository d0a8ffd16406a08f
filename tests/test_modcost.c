/*
 * test_modcost.c: the per-module heap walk on hand-built heaps (a
 * mem_info(1) table and the bytes behind it), in the v1.9 and v1.19+
 * function layouts: categories, stops at other modules and sys.modules,
 * shared blocks, skipped helper globals, the sum against the used blocks,
 * cycles, unreadable blocks and bad input.
 */
#include "modcost.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harness.h"

#define POOL 0x20000000u
#define NBLK 64u
#define BSS 0x20010000u   /* __main__'s globals dict (off the heap) */
#define SYSMOD 0x20010100u
#define ROM 0x08000000u
#define T_FUN (ROM + 0x1000u)
#define T_MOD (ROM + 0x1100u)
#define T_DICT (ROM + 0x1200u)
#define T_STR (ROM + 0x1300u)
#define T_LIST (ROM + 0x1400u)
#define T_CLOSURE (ROM + 0x1500u)
#define MAIN_MOD (ROM + 0x2000u) /* mp_module___main__ */

static uint8_t heap[NBLK * 16];
static uint8_t bss[0x200];
static uint8_t rom[0x3000];
static char map[NBLK + 1];
static uint32_t unreadable; /* a block whose read fails (0: none) */

#define B(i) (POOL + 16u * (i))
static uint32_t Q(unsigned q) { return q << 2 | 2; } /* a qstr word */

static const char *const qnames[] = {"", "f", "_mpk1234x", "mod", "lst", "g", "x"};

static uint8_t *at(uint32_t a)
{
    if (a >= POOL && a < POOL + sizeof heap) {
        return heap + (a - POOL);
    }
    if (a >= BSS && a < BSS + sizeof bss) {
        return bss + (a - BSS);
    }
    if (a >= ROM && a < ROM + sizeof rom) {
        return rom + (a - ROM);
    }
    return NULL;
}

static void put(uint32_t a, uint32_t v)
{
    uint8_t *p = at(a);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get(uint32_t a)
{
    const uint8_t *p = at(a);
    return p == NULL ? 0 : (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An object of n blocks at block i, its words w[0..nw). */
static void obj(unsigned i, unsigned n, const uint32_t *w, unsigned nw)
{
    map[i] = 'h';
    for (unsigned k = 1; k < n; k++) {
        map[i + k] = '=';
    }
    for (unsigned k = 0; k < nw; k++) {
        put(B(i) + 4 * k, w[k]);
    }
}

static int rd(void *ctx, uint32_t addr, uint32_t len, uint8_t *out, struct rc_msg *msg)
{
    (void)ctx;
    if (unreadable != 0 && addr <= unreadable && unreadable < addr + len) {
        return rc_set(msg, RC_IO, "cannot read 0x%08x", (unsigned)addr);
    }
    for (uint32_t i = 0; i < len; i++) {
        uint8_t *p = at(addr + i);
        if (p == NULL) {
            return rc_set(msg, RC_NOTFOUND, "nothing at 0x%08x", (unsigned)(addr + i));
        }
        out[i] = *p;
    }
    return RC_OK;
}

static int classified; /* classify calls */

static enum modcost_obj classify(void *ctx, uint32_t addr)
{
    (void)ctx;
    classified++;
    switch (get(addr)) {
    case T_FUN:
        return MODCOST_OBJ_FUN_BC;
    case T_CLOSURE:
        return MODCOST_OBJ_FUNLIKE;
    case T_MOD:
        return MODCOST_OBJ_MODULE;
    case T_DICT:
    case T_STR:
    case T_LIST:
        return MODCOST_OBJ_OTHER;
    default:
        return MODCOST_OBJ_NONE;
    }
}

static int key_text(void *ctx, uint32_t word, char *buf, size_t size)
{
    (void)ctx;
    if ((word & 3) != 2 || (word >> 2) >= sizeof qnames / sizeof qnames[0]) {
        return 0;
    }
    snprintf(buf, size, "%s", qnames[word >> 2]);
    return 1;
}

static const struct modcost_ops ops = {classify, key_text, NULL};
static const struct frozen_mem mem = {rd, NULL};

static void reset(void)
{
    memset(heap, 0x11, sizeof heap); /* bytes that point nowhere */
    memset(bss, 0, sizeof bss);
    memset(rom, 0, sizeof rom);
    memset(map, '.', NBLK);
    map[NBLK] = 0;
    unreadable = 0;
    classified = 0;
}

/* The model of map[] as mem_info(1) prints it. */
static int parse_map(struct heapmap *h)
{
    char text[256];
    snprintf(text, sizeof text, "GC memory layout; from %x:\n00000: %s\n", POOL, map);
    struct rc_msg m;
    int rc = heapmap_parse(text, strlen(text), 16, h, &m);
    if (rc != RC_OK) {
        printf("  heapmap: %s\n", m.text);
    }
    return rc;
}

/* __main__ (module in ROM, dict in .bss) and "mod" (all on the heap), v1.9. */
static void build_old(void)
{
    reset();
    put(MAIN_MOD, T_MOD);
    put(MAIN_MOD + 4, BSS);
    put(BSS, T_DICT);
    put(BSS + 4, 4u << 3);
    put(BSS + 8, 4);
    put(BSS + 12, B(0));
    /* 0-1: __main__'s table, 4 pairs */
    uint32_t t0[] = {Q(1), B(2), Q(2), B(6), Q(3), B(12), Q(4), B(16)};
    obj(0, 2, t0, 8);
    uint32_t f[] = {T_FUN, BSS, B(3), B(5)};
    obj(2, 1, f, 4);
    obj(3, 2, NULL, 0);             /* bytecode */
    uint32_t ct[] = {B(8), B(10), 0, 0};
    obj(5, 1, ct, 4);               /* const table: a str and a raw code */
    uint32_t helper[] = {T_FUN, BSS, B(7), 0};
    obj(6, 1, helper, 4);           /* mpeek's helper (skipped) */
    obj(7, 1, NULL, 0);
    uint32_t str[] = {T_STR, 0x1234, 5, B(9)};
    obj(8, 1, str, 4);
    obj(9, 1, NULL, 0);             /* the str's data */
    uint32_t rc0[] = {0x41, B(11), 0, 0};
    obj(10, 1, rc0, 4);             /* raw code */
    obj(11, 1, NULL, 0);            /* its bytecode */
    uint32_t mod[] = {T_MOD, B(13), 0, 0};
    obj(12, 1, mod, 4);
    uint32_t d[] = {T_DICT, 2u << 3, 2, B(14)};
    obj(13, 1, d, 4);
    uint32_t t1[] = {Q(5), B(15), Q(4), B(16)};
    obj(14, 1, t1, 4);
    uint32_t g[] = {T_FUN, B(13), ROM + 0x2800, ROM + 0x2900};
    obj(15, 1, g, 4);               /* frozen: bytecode in flash */
    uint32_t lst[] = {T_LIST, 4, 3, B(17)};
    obj(16, 1, lst, 4);             /* shared by both */
    uint32_t items[] = {B(19), B(12), B(16), MAIN_MOD};
    obj(17, 1, items, 4);           /* sys.modules' table, mod, itself */
    obj(18, 1, NULL, 0);            /* garbage */
    uint32_t sm[] = {Q(3), B(12), 0, 0};
    obj(19, 1, sm, 4);
    put(SYSMOD, T_DICT);
    put(SYSMOD + 12, B(19));
}

static const struct modcost_root old_roots[] = {{MAIN_MOD, BSS, 1}, {B(12), B(13), 0}};
static const uint32_t old_stop[] = {SYSMOD, B(19)};

static int measure(const struct heapmap *h, int family, const struct modcost_root *roots,
                   size_t n, struct modcost_result *r, struct rc_msg *m)
{
    struct modcost_in in = {h, &mem, &ops, family, roots, n, old_stop, 2, "_mpk1234"};
    return modcost_measure(&in, r, m);
}

TEST(old_layout_categories)
{
    build_old();
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_OLD, old_roots, 2, &r, &m), RC_OK);
    CHECK_EQ_INT(r.nmods, 2);
    const struct modcost_cost *mn = &r.mods[0], *md = &r.mods[1];
    CHECK_EQ_INT(mn->bytes[MODCOST_GLOBALS], 32);      /* its table; module, dict off heap */
    CHECK_EQ_INT(mn->bytes[MODCOST_FUNCTION], 16);
    CHECK_EQ_INT(mn->bytes[MODCOST_BYTECODE], 48);     /* f's and the raw code's */
    CHECK_EQ_INT(mn->bytes[MODCOST_CONST_TABLE], 16);
    CHECK_EQ_INT(mn->bytes[MODCOST_CONST_OBJ], 32);    /* the str and its data */
    CHECK_EQ_INT(mn->bytes[MODCOST_RAWCODE], 16);
    CHECK_EQ_INT(mn->bytes[MODCOST_OTHER], 0);
    CHECK_EQ_INT(mn->total, 160);
    CHECK_EQ_INT(mn->skipped, 1);
    CHECK_EQ_INT(mn->fun_heap_code, 1);
    CHECK_EQ_INT(mn->fun_rom_code, 0);
    CHECK_EQ_INT(modcost_freeze_saving(mn), 112);
    CHECK_EQ_INT(md->bytes[MODCOST_GLOBALS], 48);      /* module, dict, table */
    CHECK_EQ_INT(md->bytes[MODCOST_FUNCTION], 16);
    CHECK_EQ_INT(md->total, 64);
    CHECK_EQ_INT(md->fun_heap_code, 0);
    CHECK_EQ_INT(md->fun_rom_code, 1);
    CHECK_EQ_INT(modcost_freeze_saving(md), 0);
    /* The list and its items, reached from both; sys.modules stopped. */
    CHECK_EQ_INT(r.shared.total, 32);
    CHECK_EQ_INT(r.shared.bytes[MODCOST_OTHER], 32);
    /* Helper (2 blocks), garbage, sys.modules' table. */
    CHECK_EQ_INT(r.unattributed_bytes, 64);
    CHECK_EQ_INT(r.used_bytes, mn->total + md->total + r.shared.total + r.unattributed_bytes);
    modcost_result_fini(&r);
    heapmap_fini(&h);
}

TEST(old_layout_no_skip_counts_helper)
{
    build_old();
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    struct modcost_root roots[2] = {old_roots[0], old_roots[1]};
    roots[0].skip = 0;
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_OLD, roots, 2, &r, &m), RC_OK);
    CHECK_EQ_INT(r.mods[0].skipped, 0);
    CHECK_EQ_INT(r.mods[0].total, 192);
    CHECK_EQ_INT(r.mods[0].bytes[MODCOST_FUNCTION], 32);
    CHECK_EQ_INT(r.unattributed_bytes, 32);
    modcost_result_fini(&r);
    heapmap_fini(&h);
}

TEST(one_root_owns_what_was_shared)
{
    build_old();
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_OLD, old_roots + 1, 1, &r, &m), RC_OK);
    CHECK_EQ_INT(r.mods[0].total, 96);
    CHECK_EQ_INT(r.mods[0].bytes[MODCOST_OTHER], 32);
    CHECK_EQ_INT(r.shared.total, 0);
    modcost_result_fini(&r);
    heapmap_fini(&h);
}

/* v1.19+: a function defined at the REPL, with its line's context. */
TEST(slots_layout_context)
{
    reset();
    put(MAIN_MOD, T_MOD);
    put(MAIN_MOD + 4, BSS);
    put(BSS, T_DICT);
    put(BSS + 8, 2);
    put(BSS + 12, B(0));
    uint32_t t0[] = {Q(1), B(1), Q(6), B(12)};
    obj(0, 1, t0, 4);
    uint32_t f[] = {T_FUN, B(2), B(5), B(3)};
    obj(1, 1, f, 4);
    uint32_t ctx[] = {T_MOD, BSS, B(6), B(7)};
    obj(2, 1, ctx, 4);             /* the context: a module object */
    obj(3, 2, NULL, 0);            /* bytecode */
    uint32_t child[] = {B(9), 0, 0, 0};
    obj(5, 1, child, 4);           /* child table */
    obj(6, 1, NULL, 0);            /* qstr table */
    uint32_t ot[] = {B(8), 0, 0, 0};
    obj(7, 1, ot, 4);              /* obj table -> a str */
    uint32_t str[] = {T_STR, 1, 3, ROM + 0x100};
    obj(8, 1, str, 4);
    uint32_t rc0[] = {0x0100, B(10), 0x30, B(11)};
    obj(9, 1, rc0, 4);             /* raw code (v1.19 with fun_data_len) */
    obj(10, 1, NULL, 0);
    obj(11, 1, NULL, 0);           /* its children, at +12 */
    uint32_t clo[] = {T_CLOSURE, B(1), 1, 0};
    obj(12, 1, clo, 4);            /* a closure over f */
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_SLOTS, old_roots, 1, &r, &m), RC_OK);
    const struct modcost_cost *c = &r.mods[0];
    CHECK_EQ_INT(c->bytes[MODCOST_GLOBALS], 16);
    CHECK_EQ_INT(c->bytes[MODCOST_FUNCTION], 32);
    CHECK_EQ_INT(c->bytes[MODCOST_BYTECODE], 48);
    CHECK_EQ_INT(c->bytes[MODCOST_CONST_TABLE], 64);
    CHECK_EQ_INT(c->bytes[MODCOST_CONST_OBJ], 16);
    CHECK_EQ_INT(c->bytes[MODCOST_RAWCODE], 32);       /* context and raw code */
    CHECK_EQ_INT(c->fun_heap_code, 1);
    /* The same bytes read with the v1.9 layout give other categories. */
    modcost_result_fini(&r);
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_OLD, old_roots, 1, &r, &m), RC_OK);
    CHECK(r.mods[0].bytes[MODCOST_BYTECODE] != 48);
    CHECK_EQ_INT(r.mods[0].total, 208);
    modcost_result_fini(&r);
    heapmap_fini(&h);
}

TEST(unreadable_block_is_an_error)
{
    build_old();
    unreadable = B(8) + 4;
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    CHECK_EQ_INT(measure(&h, MODCOST_FAMILY_OLD, old_roots, 2, &r, &m), RC_IO);
    CHECK(strstr(m.text, "0x20000080") != NULL);
    CHECK(r.mods == NULL && r.nmods == 0);
    unreadable = BSS + 8;
    CHECK(measure(&h, MODCOST_FAMILY_OLD, old_roots, 2, &r, &m) < 0);
    CHECK(strstr(m.text, "globals dict at 0x20010000") != NULL);
    heapmap_fini(&h);
}

TEST(bad_input)
{
    build_old();
    struct heapmap h;
    CHECK_EQ_INT(parse_map(&h), RC_OK);
    struct modcost_result r;
    struct rc_msg m;
    CHECK_EQ_INT(measure(&h, 7, old_roots, 2, &r, &m), RC_ARG);
    struct modcost_in in = {&h, &mem, NULL, MODCOST_FAMILY_OLD, old_roots, 2, NULL, 0, NULL};
    CHECK_EQ_INT(modcost_measure(&in, &r, &m), RC_ARG);
    in.ops = &ops;
    in.roots = NULL;
    CHECK_EQ_INT(modcost_measure(&in, &r, &m), RC_ARG);
    in.nroots = 0;
    CHECK_EQ_INT(modcost_measure(&in, &r, &m), RC_OK);
    CHECK_EQ_INT(r.unattributed_bytes, r.used_bytes);
    modcost_result_fini(&r);
    heapmap_fini(&h);
}

TEST(names)
{
    CHECK_STR(modcost_cat_name(MODCOST_CONST_OBJ), "const objects");
    CHECK_STR(modcost_cat_key(MODCOST_RAWCODE), "raw_code");
    CHECK_STR(modcost_cat_name((enum modcost_cat)99), "other");
}

TEST(where_the_code_lives)
{
    struct modcost_cost c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(modcost_where_of("__main__", "", "", &c), MODCOST_WHERE_REPL);
    CHECK_EQ_INT(modcost_where_of("m", "", "", &c), MODCOST_WHERE_UNKNOWN);
    CHECK_EQ_INT(modcost_where_of("m", "", "m.py", &c), MODCOST_WHERE_FROZEN);
    CHECK_EQ_INT(modcost_where_of("m", "lib/m.mpy", "", &c), MODCOST_WHERE_MPY);
    CHECK_EQ_INT(modcost_where_of("m", "m.py", "", &c), MODCOST_WHERE_PY);
    c.fun_heap_code = 1;
    CHECK_EQ_INT(modcost_where_of("m", "", "", &c), MODCOST_WHERE_RAM);
    c.fun_heap_code = 0;
    c.fun_rom_code = 2;
    CHECK_EQ_INT(modcost_where_of("m", "m.py", "", &c), MODCOST_WHERE_FROZEN);
    CHECK(modcost_freezable(MODCOST_WHERE_PY) && !modcost_freezable(MODCOST_WHERE_REPL) &&
          !modcost_freezable(MODCOST_WHERE_FROZEN));
    CHECK_STR(modcost_where_name(MODCOST_WHERE_MPY), "RAM (.mpy)");
}

TEST(report_formats)
{
    struct modcost_row rows[3];
    memset(rows, 0, sizeof rows);
    snprintf(rows[0].name, sizeof rows[0].name, "__main__");
    rows[0].where = MODCOST_WHERE_REPL;
    rows[0].cost.bytes[MODCOST_BYTECODE] = 32;
    rows[0].cost.bytes[MODCOST_GLOBALS] = 64;
    rows[0].cost.total = 96;
    snprintf(rows[1].name, sizeof rows[1].name, "a,\"b\x1b");
    snprintf(rows[1].file, sizeof rows[1].file, "a.py");
    rows[1].where = MODCOST_WHERE_PY;
    rows[1].cost.bytes[MODCOST_BYTECODE] = 48;
    rows[1].cost.bytes[MODCOST_CONST_OBJ] = 16;
    rows[1].cost.bytes[MODCOST_FUNCTION] = 16;
    rows[1].cost.total = 80;
    snprintf(rows[2].name, sizeof rows[2].name, "fz");
    snprintf(rows[2].frozen_as, sizeof rows[2].frozen_as, "fz.mpy");
    rows[2].where = MODCOST_WHERE_FROZEN;
    rows[2].cost.bytes[MODCOST_FUNCTION] = 16;
    rows[2].cost.total = 16;
    struct modcost_report rep = {rows, 3, {{0}, 0, 0, 0, 0, 0}, 400, 208, 1, NULL, 400};
    CHECK_EQ_INT(modcost_report_saving(&rep), 64);
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(modcost_format(&rep, 0, &b), RC_OK);
    const char *t = buf_str(&b);
    CHECK(strstr(t, "__main__         RAM (REPL)           96       32") != NULL);
    CHECK(strstr(t, "\\x1b") != NULL && strchr(t, 0x1b) == NULL);
    CHECK(strstr(t, "fz: frozen row fz.mpy\n") != NULL);
    CHECK(strstr(t, "would give back 64 bytes") != NULL);
    CHECK(strstr(t, "mpeek's own 1 helper global\n") != NULL);
    buf_clear(&b);
    CHECK_EQ_INT(modcost_format(&rep, 1, &b), RC_OK);
    t = buf_str(&b);
    CHECK(strncmp(t, "module,code,file,frozen_as,bytes,bytecode,raw_code,const_tables,"
                     "const_objects,functions,globals,other,freeze_saves\n", 110) == 0);
    CHECK(strstr(t, "\n__main__,RAM (REPL),,,96,32,0,0,0,0,64,0,32\n") != NULL);
    CHECK(strstr(t, ",RAM (.py),a.py,,80,48,0,0,16,16,0,0,64\n") != NULL);
    CHECK(strstr(t, "\nfz,flash (frozen),,fz.mpy,16,0,0,0,0,16,0,0,\n") != NULL);
    CHECK(strstr(t, "\n(not attributed),,,,208,,,,,,,,\n") != NULL);
    /* every line has the same number of fields (the name with a comma is quoted) */
    int lines = 0;
    for (const char *l = t; *l; lines++) {
        const char *e = strchr(l, '\n');
        int commas = 0, q = 0;
        for (const char *k = l; k < e; k++) {
            q ^= *k == '"';
            commas += *k == ',' && !q;
        }
        CHECK_EQ_INT(commas, 12);
        l = e + 1;
    }
    CHECK_EQ_INT(lines, 7);
    buf_clear(&b);
    rep.note = "no sys.modules";
    CHECK_EQ_INT(modcost_format(&rep, 2, &b), RC_OK);
    t = buf_str(&b);
    CHECK(strstr(t, "\"name\": \"fz\", \"code\": \"flash (frozen)\", \"file\": null, "
                    "\"frozen_as\": \"fz.mpy\"") != NULL);
    CHECK(strstr(t, "\"freeze_saves\": null}") != NULL);
    CHECK(strstr(t, "\"not_attributed\": 208, \"heap_used\": 400, \"board_gc_used\": 400, "
                    "\"freeze_saves\": 64, "
                    "\"skipped_helper_globals\": 1, \"note\": \"no sys.modules\"}") != NULL);
    CHECK_EQ_INT(modcost_format(&rep, 3, &b), RC_ARG);
    buf_fini(&b);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(old_layout_categories);
    RUN(old_layout_no_skip_counts_helper);
    RUN(one_root_owns_what_was_shared);
    RUN(slots_layout_context);
    RUN(unreadable_block_is_an_error);
    RUN(bad_input);
    RUN(names);
    RUN(where_the_code_lives);
    RUN(report_formats);
    return harness_done("modcost");
}
