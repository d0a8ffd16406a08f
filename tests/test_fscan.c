/*
 * test_fscan.c: finding frozen-module name tables in a flash dump.
 */
#include "fscan.h"

#include <string.h>

#include "harness.h"

static uint8_t mem[4096];

static size_t put(size_t at, const char *s)
{
    memcpy(mem + at, s, strlen(s) + 1);
    return at + strlen(s) + 1;
}

TEST(none_when_only_bare_qstrs)
{
    memset(mem, 0xFF, sizeof mem);
    /* Built-in modules appear as bare qstrs, never as NAME.py. */
    size_t p = put(100, "microbit");
    p = put(p, "music");
    put(p, "this");
    put(600, "x.pyc"); /* not a name */
    struct fscan_result r;
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "microbit music this", &r), RC_OK);
    CHECK_EQ_INT(r.n, 0);
    CHECK_EQ_INT(r.ntables, 0);
    fscan_free(&r);
}

TEST(whole_table_from_one_listed_name)
{
    memset(mem, 0x11, sizeof mem);
    mem[999] = 0;
    size_t p = put(1000, "_boot.py");
    p = put(p, "pkg/__init__.py");
    p = put(p, "pkg/sub.py");
    p = put(p, "hello.py");
    mem[p] = 0; /* the empty name that ends the table */
    mem[p + 1] = 0x42;
    struct fscan_result r;
    /* help('modules') lists only some of them, without .py. */
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0x08000000, "gc hello sys", &r), RC_OK);
    CHECK_EQ_INT(r.n, 4);
    CHECK_EQ_INT(r.ntables, 1);
    if (r.n == 4) {
        CHECK_STR(r.names[0].name, "_boot.py");
        CHECK_EQ_INT(r.names[0].addr, 0x08000000 + 1000);
        CHECK_STR(r.names[1].name, "pkg/__init__.py");
        CHECK_STR(r.names[3].name, "hello.py");
        CHECK_EQ_INT(r.table_addr[0], 0x08000000 + 1000);
    }
    fscan_free(&r);
    /* A package is listed by its name. */
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "pkg", &r), RC_OK);
    CHECK_EQ_INT(r.n, 4);
    fscan_free(&r);
}

TEST(name_must_start_after_nul_and_be_whole)
{
    memset(mem, 0x11, sizeof mem);
    put(2000, "xhello.py"); /* preceded by 0x11: inside other data */
    struct fscan_result r;
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "hello", &r), RC_OK);
    CHECK_EQ_INT(r.n, 0);
    fscan_free(&r);
    mem[1999] = 0;
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "hello", &r), RC_OK);
    CHECK_EQ_INT(r.n, 0); /* "xhello.py" is not "hello.py" */
    fscan_free(&r);
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "xhello", &r), RC_OK);
    CHECK_EQ_INT(r.n, 1);
    fscan_free(&r);
}

TEST(name_at_the_very_end_is_safe)
{
    memset(mem, 0x11, sizeof mem);
    mem[sizeof mem - 9] = 0;
    memcpy(mem + sizeof mem - 8, "hello.py", 8); /* no NUL before the end */
    struct fscan_result r;
    CHECK_EQ_INT(fscan_names(mem, sizeof mem, 0, "hello", &r), RC_OK);
    CHECK_EQ_INT(r.n, 0);
    fscan_free(&r);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(none_when_only_bare_qstrs);
    RUN(whole_table_from_one_listed_name);
    RUN(name_must_start_after_nul_and_be_whole);
    RUN(name_at_the_very_end_is_safe);
    return harness_done("fscan");
}
