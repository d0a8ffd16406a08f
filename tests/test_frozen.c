/*
 * test_frozen.c: frozen modules in the frozen_v119 fixture, checked against
 * an oracle of its own (arm-none-eabi-nm sizes and the .bin bytes); the
 * manifest formats, their errors and the comparison; hand-built images of
 * the older layouts and of tables that lie; bytecode annotations.
 */
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include "buf.h"
#include "image.h"
#include "harness.h"
#include "../src/frozen_int.h"

#define FIX "build/fixtures/"

/* ---- the oracle: nm and the raw binary ------------------------------------ */

struct nmsym {
    char name[128];
    uint32_t addr, size;
};

static struct nmsym nm_syms[512];
static size_t nm_n;
static uint8_t *bin;
static size_t bin_len;

static int oracle_load(void)
{
    if (nm_n > 0) {
        return 1;
    }
    FILE *p = popen("arm-none-eabi-nm -S --defined-only " FIX "frozen_v119.elf", "r");
    if (p == NULL) {
        return 0;
    }
    char line[512];
    while (fgets(line, sizeof line, p) != NULL && nm_n < 512) {
        unsigned a, s;
        char t, name[200];
        if (sscanf(line, "%x %x %c %199s", &a, &s, &t, name) == 4 && strlen(name) < 128) {
            snprintf(nm_syms[nm_n].name, sizeof nm_syms[nm_n].name, "%s", name);
            nm_syms[nm_n].addr = a;
            nm_syms[nm_n].size = s;
            nm_n++;
        }
    }
    pclose(p);
    FILE *f = fopen(FIX "frozen_v119.bin", "rb");
    if (f == NULL) {
        return 0;
    }
    bin = malloc(1 << 20);
    bin_len = bin ? fread(bin, 1, 1 << 20, f) : 0;
    fclose(f);
    return nm_n > 0 && bin_len > 0;
}

static const struct nmsym *nm_find(const char *name)
{
    for (size_t i = 0; i < nm_n; i++) {
        if (strcmp(nm_syms[i].name, name) == 0) {
            return &nm_syms[i];
        }
    }
    return NULL;
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_sha256(p, n, out, 0);
#else
    mbedtls_sha256_ret(p, n, out, 0);
#endif
}

static int cmp_nm(const void *a, const void *b)
{
    const struct nmsym *const *x = a, *const *y = b;
    return (*x)->addr < (*y)->addr ? -1 : (*x)->addr > (*y)->addr;
}

/*
 * What the freezer made for each module of the fixture, written out by
 * hand from its source: hello.world's symbols (fun_data_hello_world,
 * proto_fun_hello_world, children_hello_world, fun_data_hello_world_x)
 * belong to hello, although their names also fit module hello_world.
 */
static const char *const fix_hello[] = {
    "frozen_module_hello", "const_qstr_table_data_hello",
    "const_obj_table_data_hello", "const_obj_hello_0", "const_obj_hello_1",
    "const_obj_hello_1_0", "proto_fun_hello__lt_module_gt_",
    "children_hello__lt_module_gt_", "fun_data_hello__lt_module_gt_",
    "fun_data_hello_greet", "proto_fun_hello_world", "children_hello_world",
    "fun_data_hello_world", "fun_data_hello_world_x", NULL,
};
static const char *const fix_pkg[] = {
    "frozen_module_pkg___init__", "const_qstr_table_data_pkg___init__",
    "proto_fun_pkg___init____lt_module_gt_",
    "children_pkg___init____lt_module_gt_",
    "fun_data_pkg___init____lt_module_gt_", "proto_fun_pkg___init___make",
    "children_pkg___init___make", "fun_data_pkg___init___make",
    "fun_data_pkg___init___make_inner", NULL,
};
static const char *const fix_hw[] = {
    "frozen_module_hello_world", "const_qstr_table_data_hello_world",
    "const_obj_table_data_hello_world", "const_obj_hello_world_0",
    "fun_data_hello_world__lt_module_gt_", NULL,
};

static int listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The module's symbols, in address order, their bytes from the .bin. */
static void expect_bytecode(const struct frozen_mod *m, const char *const *names,
                            const char *top)
{
    const struct nmsym *s[32];
    size_t n = 0;
    for (; names[n] != NULL; n++) {
        s[n] = nm_find(names[n]);
        CHECK(s[n] != NULL);
        if (s[n] == NULL) {
            printf("  no symbol %s\n", names[n]);
            return;
        }
    }
    qsort(s, n, sizeof s[0], cmp_nm);
    uint8_t *b = malloc(1 << 16);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(s[i]->addr + s[i]->size <= bin_len);
        memcpy(b + len, bin + s[i]->addr, s[i]->size);
        len += s[i]->size;
    }
    uint8_t h[32];
    sha256(b, len, h);
    free(b);
    CHECK_EQ_INT(m->source, 0);
    CHECK_EQ_INT(m->size, len);
    CHECK(memcmp(m->sha256, h, 32) == 0);
    CHECK_EQ_INT(m->nranges, n);
    for (size_t i = 0; i < n && i < m->nranges; i++) {
        CHECK_EQ_INT(m->ranges[i].addr, s[i]->addr);
        CHECK_EQ_INT(m->ranges[i].len, s[i]->size);
    }
    const struct nmsym *t = nm_find(top);
    CHECK(t != NULL && m->addr == t->addr);
}

static struct image *load_fixture(const char *path)
{
    struct image *img = NULL;
    struct rc_msg msg = {{0}};
    if (image_load(path, 0, 0, &img, &msg) != RC_OK) {
        printf("  %s: %s\n", path, msg.text);
        return NULL;
    }
    return img;
}

static int find_fixture(struct image **img, struct frozen_set *set)
{
    struct frozen_mem mem;
    struct rc_msg msg = {{0}};
    *img = load_fixture(FIX "frozen_v119.elf");
    if (*img == NULL || !oracle_load()) {
        return 0;
    }
    frozen_mem_image(&mem, *img);
    int rc = frozen_find(*img, &mem, set, &msg);
    if (rc != RC_OK) {
        printf("  frozen_find: %s\n", msg.text);
        image_free(*img);
        return 0;
    }
    return 1;
}

TEST(fixture_modules_match_nm)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set)) {
        CHECK(0);
        return;
    }
    CHECK_STR(set.layout, "v1.19+ (mp_frozen_names, mp_frozen_mpy_content)");
    CHECK_EQ_INT(set.n, 4);
    if (set.n != 4) {
        frozen_set_free(&set);
        image_free(img);
        return;
    }
    CHECK_STR(set.mods[0].name, "src_mod.py");
    CHECK_STR(set.mods[1].name, "hello.py");
    CHECK_STR(set.mods[2].name, "pkg/__init__.py");
    CHECK_STR(set.mods[3].name, "hello_world.py");

    /* Source: the text, without its NUL. */
    const struct nmsym *c = nm_find("mp_frozen_str_content");
    CHECK(c != NULL);
    if (c != NULL) {
        const char *text = "import hello\nprint(42)\n";
        uint8_t h[32];
        CHECK(memcmp(bin + c->addr, text, strlen(text)) == 0);
        sha256(bin + c->addr, strlen(text), h);
        CHECK_EQ_INT(set.mods[0].source, 1);
        CHECK_EQ_INT(set.mods[0].addr, c->addr);
        CHECK_EQ_INT(set.mods[0].size, strlen(text));
        CHECK(memcmp(set.mods[0].sha256, h, 32) == 0);
    }

    expect_bytecode(&set.mods[1], fix_hello, "fun_data_hello__lt_module_gt_");
    expect_bytecode(&set.mods[2], fix_pkg, "fun_data_pkg___init____lt_module_gt_");
    expect_bytecode(&set.mods[3], fix_hw, "fun_data_hello_world__lt_module_gt_");

    const struct nmsym *g = nm_find("fun_data_hello_greet");
    const struct nmsym *w = nm_find("fun_data_hello_world__lt_module_gt_");
    const struct nmsym *hwx = nm_find("fun_data_hello_world_x");
    const struct nmsym *nms = nm_find("mp_frozen_names");
    CHECK(g && frozen_at(&set, g->addr + 3) == &set.mods[1]);
    CHECK(w && frozen_at(&set, w->addr) == &set.mods[3]);
    CHECK(hwx && frozen_at(&set, hwx->addr + 1) == &set.mods[1]);
    CHECK(nms && frozen_at(&set, nms->addr) == NULL);
    CHECK(c && frozen_at(&set, c->addr + 5) == &set.mods[0]);
    frozen_set_free(&set);
    image_free(img);
}

/* The lists above cover every symbol the freezer made, each once. */
TEST(fixture_lists_are_complete)
{
    if (!oracle_load()) {
        CHECK(0);
        return;
    }
    static const char *const prefixes[] = {
        "frozen_module_", "const_", "proto_fun_", "raw_code_", "fun_data_", "children_",
    };
    size_t seen = 0;
    for (size_t i = 0; i < nm_n; i++) {
        int frz = 0;
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
            frz |= strncmp(nm_syms[i].name, prefixes[k], strlen(prefixes[k])) == 0;
        }
        if (!frz || nm_syms[i].size == 0) {
            continue;
        }
        seen++;
        int in = listed(fix_hello, nm_syms[i].name) + listed(fix_pkg, nm_syms[i].name) +
                 listed(fix_hw, nm_syms[i].name);
        if (in != 1) {
            printf("  %s is in %d lists\n", nm_syms[i].name, in);
        }
        CHECK_EQ_INT(in, 1);
    }
    CHECK_EQ_INT(seen, 14 + 9 + 5);
}

/* The image's bytes with one byte changed: a board whose firmware differs
 * there. */
struct flip_mem {
    struct frozen_mem inner;
    uint32_t addr;
};

static int flip_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    struct flip_mem *fm = ctx;
    int rc = fm->inner.read(fm->inner.ctx, addr, len, out, msg);
    if (rc == RC_OK && fm->addr >= addr && (uint64_t)fm->addr < (uint64_t)addr + len) {
        out[fm->addr - addr] ^= 0x5a;
    }
    return rc;
}

/* Change byte off of symbol sym; compare with the unchanged image. */
static void expect_changed(const struct image *img, const struct frozen_set *was,
                           const char *sym, uint32_t off, const char *want)
{
    const struct nmsym *s = nm_find(sym);
    CHECK(s != NULL && off < s->size);
    if (s == NULL) {
        return;
    }
    struct flip_mem fm;
    struct frozen_mem mem = {flip_read, &fm};
    struct frozen_set now;
    struct rc_msg msg = {{0}};
    frozen_mem_image(&fm.inner, img);
    fm.addr = s->addr + off;
    CHECK_EQ_INT(frozen_find(img, &mem, &now, &msg), RC_OK);
    CHECK_EQ_INT(now.n, was->n);
    struct buf out, cmp;
    struct frozen_manifest m;
    int differs = 0;
    buf_init(&out);
    buf_init(&cmp);
    frozen_format(was, FROZEN_FMT_CSV, &out);
    CHECK_EQ_INT(frozen_manifest_parse(buf_str(&out), out.len, "was.csv", &m, &msg), RC_OK);
    CHECK_EQ_INT(frozen_compare(&now, &m, &cmp, &differs), RC_OK);
    CHECK_EQ_INT(differs, 1);
    if (strcmp(buf_str(&cmp), want) != 0) {
        printf("  %s+%u: got\n%s", sym, off, buf_str(&cmp));
    }
    CHECK_STR(buf_str(&cmp), want);
    /* The same symbols either way: only the digest moved. */
    for (size_t i = 0; i < now.n && i < was->n; i++) {
        CHECK_EQ_INT(now.mods[i].nranges, was->mods[i].nranges);
        CHECK_EQ_INT(now.mods[i].size, was->mods[i].size);
    }
    frozen_manifest_free(&m);
    buf_fini(&out);
    buf_fini(&cmp);
    frozen_set_free(&now);
}

TEST(a_changed_function_changes_its_own_module)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set) || set.n != 4) {
        CHECK(0);
        return;
    }
    char hello[200], hw[200];
    snprintf(hello, sizeof hello,
             "changed  hello.py (%u -> %u bytes)\n"
             "same     hello_world.py\n"
             "same     pkg/__init__.py\n"
             "same     src_mod.py\n"
             "3 same, 1 changed, 0 added, 0 removed\n",
             set.mods[1].size, set.mods[1].size);
    snprintf(hw, sizeof hw,
             "same     hello.py\n"
             "changed  hello_world.py (%u -> %u bytes)\n"
             "same     pkg/__init__.py\n"
             "same     src_mod.py\n"
             "3 same, 1 changed, 0 added, 0 removed\n",
             set.mods[3].size, set.mods[3].size);
    /* hello.world(): an opcode (STORE_FAST), its simple name; world.x's
     * opcode; world's raw code (is_generator). */
    expect_changed(img, &set, "fun_data_hello_world", 6, hello);
    expect_changed(img, &set, "fun_data_hello_world", 2, hello);
    expect_changed(img, &set, "fun_data_hello_world_x", 4, hello);
    expect_changed(img, &set, "proto_fun_hello_world", 3, hello);
    /* hello_world's own <module>. */
    expect_changed(img, &set, "fun_data_hello_world__lt_module_gt_", 4, hw);
    frozen_set_free(&set);
    image_free(img);
}

TEST(images_without_symbols_or_tables)
{
    struct image *img = load_fixture(FIX "frozen_v119.hex");
    struct frozen_mem mem;
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    CHECK(img != NULL);
    if (img != NULL) {
        frozen_mem_image(&mem, img);
        CHECK_EQ_INT(frozen_find(img, &mem, &set, &msg), RC_UNSUPP);
        CHECK(strstr(msg.text, "frozen_v119.hex has no symbols (a .hex, .uf2 or .bin has "
                               "none): give the firmware's ELF") != NULL);
        CHECK(set.n == 0 && set.mods == NULL);
        image_free(img);
    }
    /* A UF2 (or anything else without symbols) gets the same words. */
    struct image uf2;
    memset(&uf2, 0, sizeof uf2);
    snprintf(uf2.path, sizeof uf2.path, "fw.uf2");
    uf2.kind = IMAGE_UF2;
    frozen_mem_image(&mem, &uf2);
    CHECK_EQ_INT(frozen_find(&uf2, &mem, &set, &msg), RC_UNSUPP);
    CHECK_STR(msg.text, "fw.uf2 has no symbols (a .hex, .uf2 or .bin has none): "
                        "give the firmware's ELF");
    CHECK(set.n == 0 && set.mods == NULL);
    FILE *f = fopen(FIX "img_basic.elf", "rb");
    if (f == NULL) {
        return;
    }
    fclose(f);
    img = load_fixture(FIX "img_basic.elf");
    CHECK(img != NULL);
    if (img != NULL) {
        frozen_mem_image(&mem, img);
        CHECK_EQ_INT(frozen_find(img, &mem, &set, &msg), RC_OK);
        CHECK_EQ_INT(set.n, 0);
        CHECK_STR(set.layout, "none");
        frozen_set_free(&set);
        image_free(img);
    }
}

/* ---- manifests ------------------------------------------------------------ */

static const char *fmt_name(enum frozen_format f)
{
    return f == FROZEN_FMT_CSV ? "m.csv" : f == FROZEN_FMT_JSON ? "m.json" : "m.txt";
}

TEST(manifest_round_trip)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set)) {
        CHECK(0);
        return;
    }
    for (int f = FROZEN_FMT_TABLE; f <= FROZEN_FMT_JSON; f++) {
        struct buf out, cmp;
        struct frozen_manifest m;
        struct rc_msg msg = {{0}};
        int differs = -1;
        buf_init(&out);
        buf_init(&cmp);
        CHECK_EQ_INT(frozen_format(&set, (enum frozen_format)f, &out), RC_OK);
        int rc = frozen_manifest_parse(buf_str(&out), out.len, fmt_name(f), &m, &msg);
        CHECK_EQ_INT(rc, RC_OK);
        if (rc != RC_OK) {
            printf("  %s\n%s", msg.text, buf_str(&out));
        } else {
            CHECK_EQ_INT(m.n, set.n);
            CHECK_EQ_INT(frozen_compare(&set, &m, &cmp, &differs), RC_OK);
            CHECK_EQ_INT(differs, 0);
            CHECK_STR(buf_str(&cmp),
                      "same     hello.py\n"
                      "same     hello_world.py\n"
                      "same     pkg/__init__.py\n"
                      "same     src_mod.py\n"
                      "4 same, 0 changed, 0 added, 0 removed\n");
            frozen_manifest_free(&m);
        }
        if (f == FROZEN_FMT_TABLE) {
            const char *tw = "NAME             ADDRESS           SIZE  SHA256\n";
            CHECK(strncmp(buf_str(&out), tw, strlen(tw)) == 0);
        } else if (f == FROZEN_FMT_CSV) {
            CHECK(strncmp(buf_str(&out), "name,address,size,sha256\nsrc_mod.py,0x", 38) == 0);
        } else {
            const char *jw = "[\n  {\"name\": \"src_mod.py\", \"address\": \"0x";
            CHECK(strncmp(buf_str(&out), jw, strlen(jw)) == 0);
        }
        buf_fini(&out);
        buf_fini(&cmp);
    }
    frozen_set_free(&set);
    image_free(img);
}

TEST(compare_changed_added_removed)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set)) {
        CHECK(0);
        return;
    }
    struct buf out, cmp;
    struct frozen_manifest m;
    struct rc_msg msg = {{0}};
    buf_init(&out);
    buf_init(&cmp);
    frozen_format(&set, FROZEN_FMT_CSV, &out);
    CHECK_EQ_INT(frozen_manifest_parse(buf_str(&out), out.len, "m.csv", &m, &msg), RC_OK);
    CHECK_EQ_INT(m.n, 4);
    if (m.n == 4) {
        /* hello.py was 1234 bytes; pkg is new; baz.py is gone; the source
         * module has the same size but another digest. */
        m.e[1].size = 1234;
        m.e[0].sha256[5] ^= 1;
        snprintf(m.e[2].name, sizeof m.e[2].name, "baz.py");
        int differs = 0;
        CHECK_EQ_INT(frozen_compare(&set, &m, &cmp, &differs), RC_OK);
        CHECK_EQ_INT(differs, 1);
        char want[512];
        snprintf(want, sizeof want,
                 "removed  baz.py\n"
                 "changed  hello.py (1234 -> %u bytes)\n"
                 "same     hello_world.py\n"
                 "added    pkg/__init__.py\n"
                 "changed  src_mod.py (23 -> 23 bytes)\n"
                 "1 same, 2 changed, 1 added, 1 removed\n",
                 set.mods[1].size);
        CHECK_STR(buf_str(&cmp), want);
        CHECK_STR(frozen_cmp_name(FROZEN_CHANGED), "changed");
    }
    frozen_manifest_free(&m);
    buf_fini(&out);
    buf_fini(&cmp);
    frozen_set_free(&set);
    image_free(img);
}

TEST(names_that_need_quoting)
{
    struct frozen_mod mods[3];
    memset(mods, 0, sizeof mods);
    snprintf(mods[0].name, sizeof mods[0].name, "a,b \"q\".py");
    snprintf(mods[1].name, sizeof mods[1].name, "back\\slash/\xc3\xa9t\xc3\xa9.py");
    snprintf(mods[2].name, sizeof mods[2].name, "with space.py");
    for (int i = 0; i < 3; i++) {
        mods[i].addr = 0x1000u * (unsigned)i;
        mods[i].size = 10u + (unsigned)i;
        mods[i].sha256[0] = (uint8_t)i;
    }
    struct frozen_set set = {mods, 3, "test"};
    for (int f = FROZEN_FMT_TABLE; f <= FROZEN_FMT_JSON; f++) {
        struct buf out, cmp;
        struct frozen_manifest m;
        struct rc_msg msg = {{0}};
        int differs = -1;
        buf_init(&out);
        buf_init(&cmp);
        frozen_format(&set, (enum frozen_format)f, &out);
        if (f == FROZEN_FMT_JSON) {
            CHECK(strstr(buf_str(&out), "\"a,b \\\"q\\\".py\"") != NULL);
            CHECK(strstr(buf_str(&out), "\"back\\\\slash/") != NULL);
        }
        if (f == FROZEN_FMT_CSV) {
            CHECK(strstr(buf_str(&out), "\n\"a,b \"\"q\"\".py\",0x00000000,10,") != NULL);
        }
        int rc = frozen_manifest_parse(buf_str(&out), out.len, fmt_name(f), &m, &msg);
        CHECK_EQ_INT(rc, RC_OK);
        if (rc == RC_OK) {
            frozen_compare(&set, &m, &cmp, &differs);
            CHECK_EQ_INT(differs, 0);
            frozen_manifest_free(&m);
        } else {
            printf("  %s\n", msg.text);
        }
        buf_fini(&out);
        buf_fini(&cmp);
    }
    /* JSON escapes a reader must understand. */
    const char *j = "[{\"size\": 3, \"name\": \"\\u00e9\\ud83d\\ude00\\/x.py\", "
                    "\"sha256\": \"" "00000000000000000000000000000000"
                    "0000000000000000000000000000000A\", \"address\": \"0x10\"}]";
    struct frozen_manifest m;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(frozen_manifest_parse(j, strlen(j), "j.json", &m, &msg), RC_OK);
    CHECK(m.n == 1 && strcmp(m.e[0].name, "\xc3\xa9\xf0\x9f\x98\x80/x.py") == 0);
    CHECK(m.n == 1 && m.e[0].size == 3 && m.e[0].sha256[31] == 0x0a);
    frozen_manifest_free(&m);
}

TEST(malformed_manifests)
{
    static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char rowok[200];
    snprintf(rowok, sizeof rowok, "a.py,0x00000010,5,%s\n", sha);
    static const struct {
        const char *name;
        const char *head;
        const char *tail;
        const char *want;
    } cases[] = {
        {"m.csv", "", "", "m.csv:1: not a frozen-module manifest"},
        {"m.csv", "hello\n", "", "m.csv:1: not a frozen-module manifest"},
        {"m.csv", "name,address,size\n", "", "m.csv:1: header must be name,address,size,sha256"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,5\n", "m.csv:3: a row needs"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,10,5,SHA\n", "m.csv:3: address '10'"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,-5,SHA\n", "m.csv:3: size '-5'"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,99999999999,SHA\n",
         "m.csv:3: size 99999999999 is more than 4 GiB"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,4294967296,SHA\n",
         "m.csv:3: size 4294967296 is more than 4 GiB"},
        {"m.csv", "name,address,size,sha256\nROW",
         "b.py,0x10,12345678901234567890123456789012345678901234567890,SHA\n",
         "m.csv:3: size 1234567890123456789012345678901234567890... is more than 4 GiB"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,123456789012x,SHA\n",
         "m.csv:3: size '123456789012x' is not a decimal number"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,5,abc\n", "m.csv:3: sha256 has 3"},
        {"m.csv", "name,address,size,sha256\nROW", "a.py,0x10,5,SHA\n", "m.csv:3: module a.py is listed twice"},
        {"m.csv", "name,address,size,sha256\nROW", "\"b.py,0x10,5,SHA\n", "m.csv:3: unterminated quoted name"},
        {"m.csv", "name,address,size,sha256\nROW", "b.py,0x10,5,SHA,x\n", "m.csv:3: too many fields"},
        {"m.csv", "name,address,size,sha256\nROW", ",0x10,5,SHA\n", "m.csv:3: '' is not a module name"},
        {"m.txt", "NAME ADDRESS SIZE\n", "", "m.txt:1: header must be NAME ADDRESS SIZE SHA256"},
        {"m.txt", "NAME ADDRESS SIZE SHA256\n\n", "b.py 0x10 5\n", "m.txt:3: a row needs"},
        {"m.txt", "NAME ADDRESS SIZE SHA256\n", "b.py 10 5 SHA\n", "m.txt:2: address '10'"},
        {"m.txt", "NAME ADDRESS SIZE SHA256\n", "0x10 5 SHA\n", "m.txt:2: a row needs"},
        {"m.txt", "NAME ADDRESS SIZE SHA256\n", "b.py 0x10 5x SHA\n", "m.txt:2: size '5x'"},
        {"m.json", "[\n  {\"name\": \"b.py\",\n", "\"address\": 16, \"size\": 5, \"sha256\": \"SHA\"}]",
         "m.json:3: expected '\"'"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"size\": 5, \"sha256\": \"SHA\"}]", "m.json:2: an entry needs"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"name\": \"c.py\"}]", "m.json:2: key 'name' given twice"},
        {"m.json", "[\n\n", "{\"nom\": \"b.py\"}]", "m.json:3: unknown key 'nom'"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"address\": \"0x10\", \"size\": 5.5, \"sha256\": \"SHA\"}]",
         "m.json:2: size must be a whole number"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"}",
         "m.json:2: expected ']', found the end"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"}]\n\nx",
         "m.json:4: text after the closing ']'"},
        {"m.json", "[\n", "{\"name\": \"b\\q.py\"}]", "m.json:2: bad escape '\\q'"},
        {"m.json", "[\n", "{\"name\": \"b\\ud800.py\"}]", "m.json:2: high surrogate without its pair"},
        {"m.json", "[\n", "{\"name\": \"b\\u0001.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"}]",
         "m.json:2: 'b\x01.py' is not a module name"},
        {"m.json", "[\n", "{\"name\": \"b\\u009c.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"}]",
         "m.json:2: 'b\xc2\x9c.py' is not a module name"},
        {"m.json", "[\n", "{\"name\": \"a\\u0000.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"}]",
         "m.json:2: a module name cannot contain NUL ('a\\u0000...')"},
        {"m.json", "[\n", "{\"name\\u0000x\": \"b.py\"}]", "m.json:2: a key cannot contain NUL"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"address\": \"0x10\", \"size\": 123456789012, \"sha256\": \"SHA\"}]",
         "m.json:2: size 123456789012 is more than 4 GiB"},
        {"m.json", "[\n", "{\"name\": \"b.py\", \"address\": \"0x10\", \"size\": 5, \"sha256\": \"SHA\"},\n]",
         "m.json:3: expected '{'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024], tail[400];
        const char *row = strstr(cases[i].head, "ROW");
        size_t hl = row ? (size_t)(row - cases[i].head) : strlen(cases[i].head);
        /* SHA in the tail stands for a good digest. */
        const char *t = cases[i].tail, *s = strstr(t, "SHA");
        if (s != NULL) {
            snprintf(tail, sizeof tail, "%.*s%s%s", (int)(s - t), t, sha, s + 3);
        } else {
            snprintf(tail, sizeof tail, "%s", t);
        }
        snprintf(text, sizeof text, "%.*s%s%s", (int)hl, cases[i].head, row ? rowok : "", tail);
        struct frozen_manifest m;
        struct rc_msg msg = {{0}};
        int rc = frozen_manifest_parse(text, strlen(text), cases[i].name, &m, &msg);
        CHECK_EQ_INT(rc, RC_PARSE);
        if (strstr(msg.text, cases[i].want) == NULL) {
            printf("  case %zu: got \"%s\", want \"%s\"\n", i, msg.text, cases[i].want);
        }
        CHECK(strstr(msg.text, cases[i].want) != NULL);
        CHECK(m.e == NULL && m.n == 0);
    }
    /* A NUL byte. */
    struct frozen_manifest m;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(frozen_manifest_parse("name,address\n\0x", 15, "z.csv", &m, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "z.csv:2: NUL byte") != NULL);
    /* Empty manifests are fine. */
    CHECK_EQ_INT(frozen_manifest_parse("[]\n", 3, "e.json", &m, &msg), RC_OK);
    CHECK_EQ_INT(m.n, 0);
    frozen_manifest_free(&m);
    CHECK_EQ_INT(frozen_manifest_parse("name,address,size,sha256\r\n", 26, "e.csv", &m, &msg), RC_OK);
    frozen_manifest_free(&m);
}

/* A byte-order mark (EF BB BF) and blank lines or white space before the
 * first line: every format still parses, and line numbers count them. */
TEST(manifest_bom_and_leading_blank_lines)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set)) {
        CHECK(0);
        return;
    }
    static const char *const heads[] = {
        "\xef\xbb\xbf", "\n\n", "\r\n  \t\r\n", "\xef\xbb\xbf\n \n", "  ",
        "\xef\xbb\xbf\t",
    };
    for (int f = FROZEN_FMT_TABLE; f <= FROZEN_FMT_JSON; f++) {
        struct buf out;
        buf_init(&out);
        CHECK_EQ_INT(frozen_format(&set, (enum frozen_format)f, &out), RC_OK);
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
            struct buf text, cmp;
            struct frozen_manifest m;
            struct rc_msg msg = {{0}};
            int differs = -1;
            buf_init(&text);
            buf_init(&cmp);
            buf_addstr(&text, heads[i]);
            buf_add(&text, buf_str(&out), out.len);
            int rc = frozen_manifest_parse(buf_str(&text), text.len, fmt_name(f), &m, &msg);
            CHECK_EQ_INT(rc, RC_OK);
            if (rc != RC_OK) {
                printf("  format %d, head %zu: %s\n", f, i, msg.text);
            } else {
                CHECK_EQ_INT(m.n, set.n);
                CHECK_EQ_INT(frozen_compare(&set, &m, &cmp, &differs), RC_OK);
                CHECK_EQ_INT(differs, 0);
                frozen_manifest_free(&m);
            }
            buf_fini(&text);
            buf_fini(&cmp);
        }
        buf_fini(&out);
    }
    frozen_set_free(&set);
    image_free(img);

    /* Errors after them name the right line. */
    static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const struct {
        const char *name;
        const char *text;
        const char *want;
    } cases[] = {
        {"m.csv", "\xef\xbb\xbf\n\nname,address,size,sha256\nb.py,10,5,HASH\n", "m.csv:4: address '10'"},
        {"m.txt", "\xef\xbb\xbf\r\n  NAME ADDRESS SIZE SHA256\nb.py 0x10 5x HASH\n", "m.txt:3: size '5x'"},
        {"m.json", "\xef\xbb\xbf\n[\n{\"nom\": 1}]", "m.json:3: unknown key 'nom'"},
        {"m.csv", "\xef\xbb\xbf\n\nhello\n", "m.csv:3: not a frozen-module manifest"},
        {"m.csv", "\xef\xbb\xbf", "m.csv:1: not a frozen-module manifest"},
        {"m.csv", "\xef\xbb\xbf\xef\xbb\xbfname,address,size,sha256\n", "m.csv:1: not a frozen-module manifest"},
        {"m.csv", "\xef\xbbname,address,size,sha256\n", "m.csv:1: not a frozen-module manifest"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[400];
        const char *t = cases[i].text, *s = strstr(t, "HASH");
        if (s != NULL) {
            snprintf(text, sizeof text, "%.*s%s%s", (int)(s - t), t, sha, s + 4);
        } else {
            snprintf(text, sizeof text, "%s", t);
        }
        struct frozen_manifest m;
        struct rc_msg msg = {{0}};
        CHECK_EQ_INT(frozen_manifest_parse(text, strlen(text), cases[i].name, &m, &msg), RC_PARSE);
        if (strstr(msg.text, cases[i].want) == NULL) {
            printf("  case %zu: got \"%s\", want \"%s\"\n", i, msg.text, cases[i].want);
        }
        CHECK(strstr(msg.text, cases[i].want) != NULL);
        CHECK(m.e == NULL && m.n == 0);
    }
    /* Only a BOM and blank lines before an empty JSON list. */
    struct frozen_manifest m;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(frozen_manifest_parse("\xef\xbb\xbf\n[]\n", 6, "e.json", &m, &msg), RC_OK);
    CHECK_EQ_INT(m.n, 0);
    frozen_manifest_free(&m);
}

/* ---- hand-built images ---------------------------------------------------- */

struct hand {
    struct image img;
    struct image_seg seg;
    struct image_sym syms[24];
    uint8_t data[512];
};

static void hand_init(struct hand *h)
{
    memset(h, 0, sizeof *h);
    snprintf(h->img.path, sizeof h->img.path, "hand.elf");
    h->img.kind = IMAGE_ELF;
    h->seg.addr = 0x1000;
    h->seg.len = sizeof h->data;
    h->seg.data = h->data;
    h->img.segs = &h->seg;
    h->img.nsegs = 1;
    h->img.syms = h->syms;
}

static void hand_sym(struct hand *h, const char *name, uint32_t off, uint32_t size,
                     const void *bytes)
{
    struct image_sym *s = &h->syms[h->img.nsyms++];
    s->name = name;
    s->addr = 0x1000 + off;
    s->size = size;
    s->type = IMAGE_SYM_OBJECT;
    s->global = 1;
    if (bytes != NULL) {
        memcpy(h->data + off, bytes, size);
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int hand_find(struct hand *h, struct frozen_set *set, struct rc_msg *msg)
{
    struct frozen_mem mem;
    frozen_mem_image(&mem, &h->img);
    return frozen_find(&h->img, &mem, set, msg);
}

/* The helpers frozen.c shares with frozen_manifest.c and frozen_notes.c. */
TEST(shared_helpers)
{
    struct hand h;
    hand_init(&h);
    uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    hand_sym(&h, "outer", 0x10, 0x40, NULL);
    hand_sym(&h, "inner", 0x20, 0x08, bytes);
    hand_sym(&h, "fun_data_x", 0x20, 0x04, NULL);
    hand_sym(&h, "dup", 0x60, 4, NULL);
    h.syms[h.img.nsyms - 1].global = 0;
    hand_sym(&h, "dup", 0x64, 4, NULL);

    const struct image_sym *s = frozen_sym_named(&h.img, "inner");
    CHECK(s != NULL && s->addr == 0x1020);
    CHECK(frozen_sym_named(&h.img, "nope") == NULL);
    s = frozen_sym_named(&h.img, "dup"); /* the global one first */
    CHECK(s != NULL && s->addr == 0x1064);
    s = frozen_sym_covering(&h.img, 0x1022); /* the smallest */
    CHECK(s != NULL && strcmp(s->name, "fun_data_x") == 0);
    s = frozen_sym_covering(&h.img, 0x1026);
    CHECK(s != NULL && strcmp(s->name, "inner") == 0);
    s = frozen_sym_covering(&h.img, 0x1030);
    CHECK(s != NULL && strcmp(s->name, "outer") == 0);
    CHECK(frozen_sym_covering(&h.img, 0x1050) == NULL);
    s = frozen_sym_starting(&h.img, 0x1020, "fun_data_");
    CHECK(s != NULL && strcmp(s->name, "fun_data_x") == 0);
    CHECK(frozen_sym_starting(&h.img, 0x1020, "raw_code_") == NULL);
    CHECK(frozen_sym_starting(&h.img, 0x1021, "") == NULL);
    CHECK(frozen_any_sym_prefix(&h.img, "fun_data_"));
    CHECK(!frozen_any_sym_prefix(&h.img, "proto_fun_"));

    /* reads: through mem, nothing for len 0, nothing past 4 GiB */
    struct frozen_mem mem;
    frozen_mem_image(&mem, &h.img);
    uint8_t out[8] = {0};
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(frozen_read(&mem, 0x1020, 8, out, &msg), RC_OK);
    CHECK(memcmp(out, bytes, 8) == 0);
    CHECK_EQ_INT(le32(out), 0x04030201);
    CHECK_EQ_INT(le16(out + 4), 0x0605);
    CHECK_EQ_INT(frozen_read(&mem, 0xfffffff0u, 0, out, &msg), RC_OK);
    CHECK_EQ_INT(frozen_read(&mem, 0xfffffffcu, 8, out, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "past 4 GiB") != NULL);
    CHECK_EQ_INT(frozen_read(&mem, 0x9000, 4, out, &msg), RC_NOTFOUND);
    CHECK(strstr(msg.text, "hand.elf") != NULL);
    CHECK(soft_fail(RC_NOTFOUND) && soft_fail(RC_PARSE) && !soft_fail(RC_IO));

    /* a loaded image answers through its index, the same way */
    struct image *img = load_fixture("build/fixtures/frozen_v119.elf");
    if (img != NULL) {
        s = frozen_sym_named(img, "mp_frozen_names");
        CHECK(s != NULL && s->size > 0);
        if (s != NULL) {
            CHECK(frozen_sym_starting(img, s->addr, "mp_frozen_names") == s);
            const struct image_sym *c = frozen_sym_covering(img, s->addr);
            CHECK(c != NULL && c->addr <= s->addr && c->size <= s->size);
        }
        CHECK(frozen_any_sym_prefix(img, "fun_data_"));
        image_free(img);
    }

    /* module names */
    CHECK(frozen_name_ok("hello.py", 8));
    CHECK(frozen_name_ok("caf\xc3\xa9.py", 8));
    CHECK(!frozen_name_ok("", 0));
    CHECK(!frozen_name_ok(" a.py", 5));
    CHECK(!frozen_name_ok("a.py ", 5));
    CHECK(!frozen_name_ok("a\x1b.py", 5));
    CHECK(!frozen_name_ok("caf\xc3.py", 7));     /* cut UTF-8 */
    CHECK(!frozen_name_ok("\xc0\xaf.py", 5));    /* overlong */
    CHECK(!frozen_name_ok("\xed\xa0\x80.py", 6)); /* surrogate */
    char longname[FROZEN_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname);
    CHECK(frozen_name_ok(longname, FROZEN_MAX_NAME));
    CHECK(!frozen_name_ok(longname, FROZEN_MAX_NAME + 1));
    char esc[32];
    frozen_escape_name("unittest/__init__.py", esc, sizeof esc);
    CHECK_STR(esc, "unittest___init__");
    frozen_escape_name("a/b-c.py", esc, sizeof esc);
    CHECK_STR(esc, "a_b_c");
    frozen_escape_name(".hidden", esc, sizeof esc);
    CHECK_STR(esc, "_hidden");
    frozen_escape_name("pkg.v2/mod", esc, sizeof esc);
    CHECK_STR(esc, "pkg_v2_mod");
    frozen_escape_name("abcdefgh.py", esc, 5);
    CHECK_STR(esc, "abcd");
    CHECK(has_prefix("fun_data_x", "fun_data_") && !has_prefix("fun", "fun_data_"));
}

TEST(old_layout_v108)
{
    struct hand h;
    hand_init(&h);
    uint8_t ptr[4], rc_[12] = {0x02, 0, 0, 0};
    put32(ptr, 0x1000 + 0x80);
    put32(rc_ + 4, 0x1000 + 0xa0);
    hand_sym(&h, "mp_frozen_str_names", 0x00, 7, "a.py\0\0");
    hand_sym(&h, "mp_frozen_str_sizes", 0x10, 4, "\x03\0\0\0");
    hand_sym(&h, "mp_frozen_str_content", 0x20, 4, "abc");
    hand_sym(&h, "mp_frozen_mpy_names", 0x30, 7, "bc.py\0");
    hand_sym(&h, "mp_frozen_mpy_content", 0x40, 4, ptr);
    hand_sym(&h, "raw_code_bc__lt_module_gt_", 0x80, 12, rc_);
    hand_sym(&h, "fun_data_bc__lt_module_gt_", 0xa0, 6, "\x08\x02\x00\x51\x63\x00");
    hand_sym(&h, "const_table_data_bc__lt_module_gt_", 0xb0, 4, "\x01\x02\x03\x04");
    hand_sym(&h, "fun_data_bcd__lt_module_gt_", 0xc0, 4, "\x01\x02\x03\x04");
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    int rc = hand_find(&h, &set, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
        return;
    }
    CHECK_STR(set.layout, "v1.8-v1.17 (mp_frozen_str_names, mp_frozen_mpy_names)");
    CHECK_EQ_INT(set.n, 2);
    if (set.n == 2) {
        uint8_t want[32];
        sha256((const uint8_t *)"abc", 3, want);
        CHECK_STR(set.mods[0].name, "a.py");
        CHECK(set.mods[0].source && set.mods[0].size == 3 &&
              memcmp(set.mods[0].sha256, want, 32) == 0);
        CHECK_STR(set.mods[1].name, "bc.py");
        CHECK_EQ_INT(set.mods[1].addr, 0x10a0);
        CHECK_EQ_INT(set.mods[1].size, 12 + 6 + 4);
        CHECK_EQ_INT(set.mods[1].nranges, 3);
        struct frozen_notes notes;
        struct frozen_mem mem;
        frozen_mem_image(&mem, &h.img);
        CHECK_EQ_INT(frozen_annotate(&h.img, &mem, &set.mods[1], &notes, &msg), RC_OK);
        const struct frozen_note *n = frozen_note_at(&notes, 0x10a2);
        CHECK(n != NULL && strcmp(n->text, "fun_data_bc__lt_module_gt_") == 0);
        frozen_notes_free(&notes);
    }
    frozen_set_free(&set);
}

/* v1.8-v1.17 count sources by name, so a size may be 0: an empty module,
 * nothing hashed, no range that frozen_at could find. */
TEST(empty_source_module)
{
    struct hand h;
    hand_init(&h);
    hand_sym(&h, "mp_frozen_str_names", 0x00, 12, "e.py\0f.py\0\0");
    hand_sym(&h, "mp_frozen_str_sizes", 0x10, 8, "\0\0\0\0\x02\0\0\0");
    hand_sym(&h, "mp_frozen_str_content", 0x20, 4, "\0ab\0");
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(hand_find(&h, &set, &msg), RC_OK);
    CHECK_EQ_INT(set.n, 2);
    if (set.n == 2) {
        uint8_t want[32];
        sha256((const uint8_t *)"", 0, want);
        CHECK(set.mods[0].size == 0 && set.mods[0].nranges == 0 &&
              memcmp(set.mods[0].sha256, want, 32) == 0);
        CHECK(set.mods[1].size == 2 && set.mods[1].addr == 0x1021 && set.mods[1].nranges == 1);
        CHECK(frozen_at(&set, 0x1020) == NULL);
        CHECK(frozen_at(&set, 0x1021) == &set.mods[1]);
    }
    frozen_set_free(&set);
}

TEST(tables_that_lie)
{
    static const struct {
        const char *names;
        uint32_t names_size;
        uint32_t str_size;
        const char *want;
    } cases[] = {
        {"a.py", 4, 3, "name 0 runs past the end of the symbol"},
        {"a.py\0\0", 6, 300, "run past its"},
        {"a.py\0\0", 6, 2, "no NUL after its 2 bytes"},
        {"a\x01.py\0\0", 7, 3, "name 0 is not a module name"},
        {"a.py\0b.py\0\0", 11, 3, "no mp_frozen_mpy_content"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hand h;
        hand_init(&h);
        uint8_t sizes[8] = {0};
        put32(sizes, cases[i].str_size);
        hand_sym(&h, "mp_frozen_names", 0x00, cases[i].names_size, cases[i].names);
        hand_sym(&h, "mp_frozen_str_sizes", 0x40, 8, sizes);
        hand_sym(&h, "mp_frozen_str_content", 0x50, 5, "abc\0");
        struct frozen_set set;
        struct rc_msg msg = {{0}};
        CHECK_EQ_INT(hand_find(&h, &set, &msg), RC_PARSE);
        if (strstr(msg.text, cases[i].want) == NULL) {
            printf("  case %zu: \"%s\"\n", i, msg.text);
        }
        CHECK(strstr(msg.text, cases[i].want) != NULL);
        CHECK(set.n == 0 && set.mods == NULL);
    }
}

/*
 * Two modules, a.py and a_b.py, whose symbol names overlap (escaped "a" and
 * "a_b"); a's child scope b is fun_data_a_b, children_a_b -> fun_data_a_b_c.
 * a's children array also points back at a's own raw code (a cycle) and at
 * const_obj_a_b_0, which a_b reaches too (the names break that tie).
 * const_obj_a_b_1 and fun_data_a_zzz are reached by nothing: names decide.
 */
TEST(attribution_by_pointers)
{
    struct hand h;
    hand_init(&h);
    uint8_t ptrs[8], fm_a[12] = {0}, fm_ab[12] = {0}, pf_a[12] = {0, 0, 2, 0};
    uint8_t pf_ab[12] = {0, 0, 2, 0}, ch_a[12], ch_ab[4], ot_ab[4];
    put32(ptrs, 0x1000 + 0x40);         /* frozen_module_a */
    put32(ptrs + 4, 0x1000 + 0x100);    /* frozen_module_a_b */
    put32(fm_a + 8, 0x1000 + 0x50);     /* proto_fun_a__lt_module_gt_ */
    put32(pf_a + 4, 0x1000 + 0x60);     /* fun_data_a__lt_module_gt_ */
    put32(pf_a + 8, 0x1000 + 0x70);     /* children_a__lt_module_gt_ */
    put32(ch_a, 0x1000 + 0x80);         /* proto_fun_a_b */
    put32(ch_a + 4, 0x1000 + 0x50);     /* back to a's <module> */
    put32(ch_a + 8, 0x1000 + 0x130 + 2); /* inside const_obj_a_b_0 */
    put32(pf_ab + 4, 0x1000 + 0x90);    /* fun_data_a_b */
    put32(pf_ab + 8, 0x1000 + 0xa0);    /* children_a_b */
    put32(ch_ab, 0x1000 + 0xa8);        /* fun_data_a_b_c (a leaf) */
    put32(fm_ab + 4, 0x1000 + 0x120);   /* const_obj_table_data_a_b */
    put32(fm_ab + 8, 0x1000 + 0x110);   /* fun_data_a_b__lt_module_gt_ */
    put32(ot_ab, 0x1000 + 0x130);       /* const_obj_a_b_0 */
    hand_sym(&h, "mp_frozen_names", 0x00, 13, "a.py\0a_b.py\0\0");
    hand_sym(&h, "mp_frozen_mpy_content", 0x10, 8, ptrs);
    hand_sym(&h, "frozen_module_a", 0x40, 12, fm_a);
    hand_sym(&h, "proto_fun_a__lt_module_gt_", 0x50, 12, pf_a);
    hand_sym(&h, "fun_data_a__lt_module_gt_", 0x60, 6, "\x08\x02\x01\x40\x51\x63");
    hand_sym(&h, "children_a__lt_module_gt_", 0x70, 12, ch_a);
    hand_sym(&h, "proto_fun_a_b", 0x80, 12, pf_ab);
    hand_sym(&h, "fun_data_a_b", 0x90, 6, "\x08\x02\x02\x40\x51\x63");
    hand_sym(&h, "children_a_b", 0xa0, 4, ch_ab);
    hand_sym(&h, "fun_data_a_b_c", 0xa8, 6, "\x08\x02\x03\x40\x51\x63");
    hand_sym(&h, "fun_data_a_zzz", 0xb0, 4, "\x01\x02\x03\x04");
    hand_sym(&h, "frozen_module_a_b", 0x100, 12, fm_ab);
    hand_sym(&h, "fun_data_a_b__lt_module_gt_", 0x110, 6, "\x08\x02\x01\x40\x51\x63");
    hand_sym(&h, "const_obj_table_data_a_b", 0x120, 4, ot_ab);
    hand_sym(&h, "const_obj_a_b_0", 0x130, 8, "\x00\x00\x00\x00\x01\x00\x00\x00");
    hand_sym(&h, "const_obj_a_b_1", 0x140, 8, "\x00\x00\x00\x00\x02\x00\x00\x00");
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    int rc = hand_find(&h, &set, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
        return;
    }
    CHECK_EQ_INT(set.n, 2);
    static const uint32_t a[] = {0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xa8, 0xb0};
    static const uint32_t ab[] = {0x100, 0x110, 0x120, 0x130, 0x140};
    if (set.n == 2) {
        CHECK_STR(set.mods[0].name, "a.py");
        CHECK_EQ_INT(set.mods[0].addr, 0x1060);
        CHECK_EQ_INT(set.mods[0].nranges, sizeof a / sizeof a[0]);
        for (size_t i = 0; i < set.mods[0].nranges && i < sizeof a / sizeof a[0]; i++) {
            CHECK_EQ_INT(set.mods[0].ranges[i].addr, 0x1000 + a[i]);
        }
        CHECK_STR(set.mods[1].name, "a_b.py");
        CHECK_EQ_INT(set.mods[1].addr, 0x1110);
        CHECK_EQ_INT(set.mods[1].nranges, sizeof ab / sizeof ab[0]);
        for (size_t i = 0; i < set.mods[1].nranges && i < sizeof ab / sizeof ab[0]; i++) {
            CHECK_EQ_INT(set.mods[1].ranges[i].addr, 0x1000 + ab[i]);
        }
        CHECK_EQ_INT(set.mods[1].size, 12 + 6 + 4 + 8 + 8);
    }
    frozen_set_free(&set);

    /* Symbols out of address order (a hand-built image) find the same. */
    struct image_sym t = h.syms[2];
    h.syms[2] = h.syms[14];
    h.syms[14] = t;
    rc = hand_find(&h, &set, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    CHECK(rc != RC_OK || (set.n == 2 && set.mods[0].nranges == sizeof a / sizeof a[0] &&
                          set.mods[1].nranges == sizeof ab / sizeof ab[0]));
    frozen_set_free(&set);
}

/* ---- crafted images: the work is bounded ---------------------------------- */

struct big {
    struct image img;
    struct image_seg seg;
    struct image_sym *syms;
    char (*names)[40];
    uint8_t *data;
    size_t cap;
};

#define BIG_BASE 0x10000u

static int big_init(struct big *b, size_t nsyms, uint32_t len)
{
    memset(b, 0, sizeof *b);
    snprintf(b->img.path, sizeof b->img.path, "big.elf");
    b->img.kind = IMAGE_ELF;
    b->syms = calloc(nsyms, sizeof *b->syms);
    b->names = calloc(nsyms, sizeof *b->names);
    b->data = calloc(len, 1);
    b->cap = nsyms;
    b->seg.addr = BIG_BASE;
    b->seg.len = len;
    b->seg.data = b->data;
    b->img.segs = &b->seg;
    b->img.nsegs = 1;
    b->img.syms = b->syms;
    return b->syms != NULL && b->names != NULL && b->data != NULL;
}

static void big_sym(struct big *b, const char *name, uint32_t off, uint32_t size)
{
    if (b->img.nsyms >= b->cap) {
        return;
    }
    struct image_sym *s = &b->syms[b->img.nsyms];
    snprintf(b->names[b->img.nsyms], sizeof b->names[0], "%s", name);
    s->name = b->names[b->img.nsyms++];
    s->addr = BIG_BASE + off;
    s->size = size;
    s->type = IMAGE_SYM_OBJECT;
    s->global = 1;
}

static void big_free(struct big *b)
{
    free(b->syms);
    free(b->names);
    free(b->data);
}

/*
 * The review's hang: nmods modules m0.py, m1.py, ... whose entries point
 * at nentries frozen_module_m<e> structs (module i at struct i % nentries),
 * each pointing into a region of nobj const_obj_m0_<k> symbols of 16 KiB,
 * one every 4 bytes (so they all overlap), every word of which points at
 * one of them.  Module i also has a fun_data_m<i>__lt_module_gt_ that
 * nothing reaches.
 */
#define TANGLE_OBJ 16384u

static int big_tangle(struct big *b, size_t nmods, size_t nentries, size_t nobj)
{
    uint32_t o_names = 0, o_mpy = (uint32_t)(nmods * 8 + 8) & ~3u;
    uint32_t o_fm = o_mpy + (uint32_t)(4 * nmods);
    uint32_t o_fd = o_fm + (uint32_t)(12 * nentries);
    uint32_t o_reg = o_fd + (uint32_t)(4 * nmods);
    uint32_t reg_len = TANGLE_OBJ + (uint32_t)(4 * nobj);
    if (!big_init(b, 4 + nentries + nmods + nobj, o_reg + reg_len)) {
        return 0;
    }
    char name[40];
    uint32_t at = 0;
    for (size_t i = 0; i < nmods; i++) {
        at += (uint32_t)snprintf((char *)b->data + at, 9, "m%zu.py", i) + 1;
        put32(b->data + o_mpy + 4 * i, BIG_BASE + o_fm + (uint32_t)(12 * (i % nentries)));
        snprintf(name, sizeof name, "fun_data_m%zu__lt_module_gt_", i);
        big_sym(b, name, o_fd + (uint32_t)(4 * i), 4);
    }
    big_sym(b, "mp_frozen_names", o_names, at + 1);
    big_sym(b, "mp_frozen_mpy_content", o_mpy, (uint32_t)(4 * nmods));
    for (size_t e = 0; e < nentries; e++) {
        for (size_t w = 0; w < 3; w++) {
            put32(b->data + o_fm + 12 * e + 4 * w, BIG_BASE + o_reg);
        }
        snprintf(name, sizeof name, "frozen_module_m%zu", e);
        big_sym(b, name, o_fm + (uint32_t)(12 * e), 12);
    }
    for (uint32_t w = 0; w < reg_len / 4; w++) {
        put32(b->data + o_reg + 4 * w, BIG_BASE + o_reg + 4 * (w % (uint32_t)nobj));
    }
    for (size_t k = 0; k < nobj; k++) {
        snprintf(name, sizeof name, "const_obj_m0_%zu", k);
        big_sym(b, name, o_reg + (uint32_t)(4 * k), TANGLE_OBJ);
    }
    return 1;
}

/* The crafted images below once took minutes (a walk per module, linear
 * lookups); they are checked for their results here, and a walk that runs
 * away again is caught by the time limit the test suite puts on every
 * unit-test program (no timing in the tests themselves). */

TEST(crafted_shared_entry_walks_once)
{
    /* 200 modules share one entry: one walk, its result reused. */
    struct big b;
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    if (!big_tangle(&b, 200, 1, 300)) {
        CHECK(0);
        big_free(&b);
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, &b.img);
    int rc = frozen_find(&b.img, &mem, &set, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
    }
    CHECK_EQ_INT(set.n, 200);
    if (set.n == 200) {
        /* m0 reached its struct and every object (one merged range);
         * the others reach nothing m0 does not keep, so their names give
         * them their own fun_data. */
        const struct frozen_mod *m0 = &set.mods[0];
        CHECK_STR(m0->name, "m0.py");
        CHECK_EQ_INT(m0->nranges, 3);
        CHECK_EQ_INT(m0->size, 12 + 4 + TANGLE_OBJ + 4 * 299);
        for (size_t i = 1; i < set.n; i++) {
            CHECK(set.mods[i].nranges == 1 && set.mods[i].size == 4 &&
                  set.mods[i].addr == set.mods[i].ranges[0].addr);
        }
    }
    frozen_set_free(&set);
    big_free(&b);
}

TEST(crafted_tangle_hits_the_budget)
{
    /* Four distinct entries into the same 300 overlapping 16 KiB objects:
     * each walk scans 300 x 4096 words; the fourth passes the budget. */
    struct big b;
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    if (!big_tangle(&b, 4, 4, 300)) {
        CHECK(0);
        big_free(&b);
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, &b.img);
    int rc = frozen_find(&b.img, &mem, &set, &msg);
    CHECK_EQ_INT(rc, RC_PARSE);
    CHECK_STR(msg.text, "big.elf: the frozen tables point at more than 16 MiB of objects; "
                        "not a real firmware image?");
    CHECK(set.n == 0 && set.mods == NULL);
    frozen_set_free(&set);
    big_free(&b);
}

TEST(crafted_many_aliases_at_one_address)
{
    /* 400000 symbols that nothing reaches, all at one address with one
     * size: they go with the first of them, which goes by its name. */
    enum { NALIAS = 400000 };
    struct big b;
    struct frozen_set set;
    struct rc_msg msg = {{0}};
    if (!big_init(&b, NALIAS + 8, 0x100)) {
        CHECK(0);
        big_free(&b);
        return;
    }
    memcpy(b.data, "m0.py\0\0", 7);
    put32(b.data + 0x10, BIG_BASE + 0x20);
    big_sym(&b, "mp_frozen_names", 0x00, 7);
    big_sym(&b, "mp_frozen_mpy_content", 0x10, 4);
    big_sym(&b, "frozen_module_m0", 0x20, 12);
    char name[40];
    for (size_t i = 0; i < NALIAS; i++) {
        /* Half of them fit no module's names. */
        snprintf(name, sizeof name, i % 2 ? "fun_data_m0_a%zu" : "fun_data_zz_a%zu", i);
        big_sym(&b, name, 0x40, 8);
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, &b.img);
    int rc = frozen_find(&b.img, &mem, &set, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    CHECK_EQ_INT(set.n, 1);
    if (set.n == 1) {
        CHECK_EQ_INT(set.mods[0].nranges, 2);
        CHECK_EQ_INT(set.mods[0].size, 12 + 8);
    }
    frozen_set_free(&set);
    big_free(&b);
}

/* ---- annotations ---------------------------------------------------------- */

static const struct frozen_note *note_with(const struct frozen_notes *n, const char *text)
{
    for (size_t i = 0; i < n->count; i++) {
        if (strcmp(n->n[i].text, text) == 0) {
            return &n->n[i];
        }
    }
    return NULL;
}

static void dump_notes(const struct frozen_notes *n)
{
    for (size_t i = 0; i < n->count; i++) {
        printf("    0x%08x %3u %s\n", n->n[i].addr, n->n[i].len, n->n[i].text);
    }
}

TEST(annotations)
{
    struct image *img;
    struct frozen_set set;
    if (!find_fixture(&img, &set) || set.n != 4) {
        CHECK(0);
        return;
    }
    struct frozen_mem mem;
    struct frozen_notes notes;
    struct rc_msg msg = {{0}};
    frozen_mem_image(&mem, img);

    CHECK_EQ_INT(frozen_annotate(img, &mem, &set.mods[1], &notes, &msg), RC_OK);
    const struct nmsym *g = nm_find("fun_data_hello_greet");
    const struct nmsym *mo = nm_find("fun_data_hello__lt_module_gt_");
    const struct nmsym *qt = nm_find("const_qstr_table_data_hello");
    const struct nmsym *pf = nm_find("proto_fun_hello__lt_module_gt_");
    const struct frozen_note *n;
    n = note_with(&notes, "prelude n_state=6 n_exc_stack=1 scope_flags=0x00 n_pos_args=2 n_kwonly=1 n_def_pos=1");
    CHECK(n != NULL && g != NULL && n->addr == g->addr && n->len == 2);
    n = note_with(&notes, "prelude size n_info=6 n_cell=0");
    CHECK(n != NULL && g != NULL && n->addr == g->addr + 2 && n->len == 1);
    n = note_with(&notes, "simple_name greet");
    CHECK(n != NULL && g != NULL && n->addr == g->addr + 3 && n->len == 1);
    n = note_with(&notes, "arg names: name, punct, loud");
    CHECK(n != NULL && g != NULL && n->addr == g->addr + 4 && n->len == 3);
    n = g != NULL ? frozen_note_at(&notes, g->addr + 8) : NULL;
    CHECK(n != NULL && strcmp(n->text, "line info 2 bytes") == 0 && n->addr == g->addr + 7);
    n = note_with(&notes, "bytecode 10 bytes");
    CHECK(n != NULL && g != NULL && n->addr == g->addr + 9);
    n = note_with(&notes, "prelude n_state=3 n_exc_stack=0 scope_flags=0x00 n_pos_args=0 n_kwonly=0 n_def_pos=0");
    CHECK(n != NULL && mo != NULL && n->addr == mo->addr && n->len == 1);
    n = note_with(&notes, "simple_name <module>");
    CHECK(n != NULL && mo != NULL && n->addr == mo->addr + 2);
    n = note_with(&notes, "qstr table [3] = 'print'");
    CHECK(n != NULL && qt != NULL && n->addr == qt->addr + 6 && n->len == 2);
    CHECK(note_with(&notes, "qstr table [0] = 'hello.py'") != NULL);
    CHECK(note_with(&notes, "qstr table [8] = 'loud'") != NULL);
    CHECK(note_with(&notes, "obj table [0] = const_obj_hello_0") != NULL);
    CHECK(note_with(&notes, "const_obj_hello_0: str 'a string long enough to be kept' (31 bytes)") != NULL);
    CHECK(note_with(&notes, "const_obj_hello_1: tuple of 2") != NULL);
    if (pf != NULL && mo != NULL) {
        char want[160];
        const struct nmsym *ch = nm_find("children_hello__lt_module_gt_");
        snprintf(want, sizeof want,
                 "raw code: kind bytecode, generator 0, fun_data 0x%08x, children 0x%08x",
                 mo->addr, ch ? ch->addr : 0);
        n = note_with(&notes, want);
        CHECK(n != NULL && n->addr == pf->addr && n->len == 12);
    }
    /* Notes are in address order, and the innermost one answers. */
    for (size_t i = 1; i < notes.count; i++) {
        CHECK(notes.n[i - 1].addr <= notes.n[i].addr);
    }
    if (g != NULL) {
        n = frozen_note_at(&notes, g->addr + 5);
        CHECK(n != NULL && strcmp(n->text, "arg names: name, punct, loud") == 0);
    }
    if (harness_failed_checks > 0) {
        dump_notes(&notes);
    }
    frozen_notes_free(&notes);

    /* pkg: two levels of children, a closure, varargs. */
    CHECK_EQ_INT(frozen_annotate(img, &mem, &set.mods[2], &notes, &msg), RC_OK);
    CHECK(note_with(&notes, "prelude n_state=4 n_exc_stack=0 scope_flags=0x01 n_pos_args=0 n_kwonly=0 n_def_pos=0") != NULL);
    CHECK(note_with(&notes, "simple_name make") != NULL);
    CHECK(note_with(&notes, "closure 1 cell") != NULL);
    CHECK(note_with(&notes, "prelude n_state=2 n_exc_stack=0 scope_flags=0x00 n_pos_args=1 n_kwonly=0 n_def_pos=0") != NULL);
    CHECK(note_with(&notes, "simple_name inner") != NULL);
    CHECK(note_with(&notes, "arg names: x") != NULL);
    CHECK(note_with(&notes, "qstr table [5] = 'self'") != NULL);
    frozen_notes_free(&notes);

    /* hello_world: proto_fun is the bytecode itself (first byte 0). */
    CHECK_EQ_INT(frozen_annotate(img, &mem, &set.mods[3], &notes, &msg), RC_OK);
    CHECK(note_with(&notes, "prelude n_state=1 n_exc_stack=0 scope_flags=0x00 n_pos_args=0 n_kwonly=0 n_def_pos=0") != NULL);
    CHECK(note_with(&notes, "qstr table [0] = 'hello_world.py'") != NULL);
    CHECK(note_with(&notes, "const_obj_hello_world_0: str 'hello world, long version!' (26 bytes)") != NULL);
    frozen_notes_free(&notes);

    /* A source module has nothing to decode. */
    CHECK_EQ_INT(frozen_annotate(img, &mem, &set.mods[0], &notes, &msg), RC_OK);
    CHECK_EQ_INT(notes.count, 0);
    frozen_notes_free(&notes);
    frozen_set_free(&set);
    image_free(img);
}

/* frozen_note_at through the index (maxlen) agrees with a plain search. */
TEST(note_at_matches_a_plain_search)
{
    struct frozen_note n[64];
    memset(n, 0, sizeof n);
    unsigned seed = 12345;
    uint32_t at = 0x1000;
    for (size_t i = 0; i < 64; i++) {
        seed = seed * 1103515245u + 12345u;
        n[i].addr = at;
        n[i].len = i % 9 == 0 ? 200 : 1 + (seed >> 16) % 12; /* some big containers */
        at += (seed >> 8) % 7;
    }
    struct frozen_notes notes = {n, 64, 0};
    for (size_t i = 0; i < 64; i++) {
        if (n[i].len > notes.maxlen) {
            notes.maxlen = n[i].len;
        }
    }
    struct frozen_notes plain = {n, 64, 0};
    for (uint32_t a = 0xff0; a < at + 220; a++) {
        const struct frozen_note *x = frozen_note_at(&notes, a);
        const struct frozen_note *y = frozen_note_at(&plain, a);
        CHECK((x == NULL) == (y == NULL));
        if (x != NULL && y != NULL) {
            CHECK_EQ_INT(x->len, y->len);
            CHECK(a >= x->addr && a < x->addr + x->len);
        }
    }
    CHECK(frozen_note_at(NULL, 0x1000) == NULL);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(note_at_matches_a_plain_search);
    RUN(fixture_modules_match_nm);
    RUN(fixture_lists_are_complete);
    RUN(a_changed_function_changes_its_own_module);
    RUN(attribution_by_pointers);
    RUN(crafted_shared_entry_walks_once);
    RUN(crafted_tangle_hits_the_budget);
    RUN(crafted_many_aliases_at_one_address);
    RUN(images_without_symbols_or_tables);
    RUN(manifest_round_trip);
    RUN(compare_changed_added_removed);
    RUN(names_that_need_quoting);
    RUN(malformed_manifests);
    RUN(manifest_bom_and_leading_blank_lines);
    RUN(old_layout_v108);
    RUN(empty_source_module);
    RUN(tables_that_lie);
    RUN(annotations);
    RUN(shared_helpers);
    free(bin);
    return harness_done("frozen");
}
