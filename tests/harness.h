/*
 * harness.h: a tiny test harness for the unit-test programs.
 *
 *   TEST(name) { CHECK(expr); CHECK_EQ_INT(a, b); CHECK_STR(a, b); }
 *   int main(int argc, char **argv)
 *   {
 *       harness_start(argc, argv);
 *       RUN(name); ...
 *       return harness_done("module");
 *   }
 *
 * TEST() registers each test before main() starts, so a program knows its
 * tests by name:  build/tests/test_view diff_next  runs only that test
 * (several names may be given; an unknown one is an error that lists the
 * tests), and  --list  prints the names.  RUN() runs a test if it was
 * asked for (all of them when no name is given).
 *
 * A test passes when all its checks pass; SKIP("why") inside a test says
 * why it cannot run here, ends it and counts it as skipped.  Each program
 * prints one line per failed check and ends with
 * "module: N passed, N failed" (", N skipped" is added when some were);
 * the exit status is non-zero on failure.
 */
#ifndef MPEEK_TEST_HARNESS_H
#define MPEEK_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HARNESS_MAX_TESTS 512

static int harness_failed_checks;
static int harness_passed;
static int harness_failed;
static int harness_skipped;
static int harness_skip_now;
static const char *harness_names[HARNESS_MAX_TESTS];
static int harness_ran[HARNESS_MAX_TESTS];
static int harness_count;
static char **harness_wanted;
static int harness_nwanted;
static const char *harness_prog = "test";

static inline void harness_register(const char *name)
{
    if (harness_count == HARNESS_MAX_TESTS) {
        fprintf(stderr, "harness.h: more than %d tests; raise "
                "HARNESS_MAX_TESTS\n", HARNESS_MAX_TESTS);
        exit(2);
    }
    harness_names[harness_count++] = name;
}

/* TEST(name): a test function, registered under its name before main(). */
#define TEST(name)                                                           \
    static void name(void);                                                  \
    __attribute__((constructor)) static void harness_reg_##name(void)        \
    {                                                                        \
        harness_register(#name);                                             \
    }                                                                        \
    static void name(void)

#define CHECK(expr)                                                          \
    do {                                                                     \
        if (!(expr)) {                                                       \
            printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr);         \
            harness_failed_checks++;                                         \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long ha_ = (long long)(a), hb_ = (long long)(b);                \
        if (ha_ != hb_) {                                                    \
            printf("  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__,      \
                   __LINE__, #a, #b, ha_, hb_);                              \
            harness_failed_checks++;                                         \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *ha_ = (a), *hb_ = (b);                                   \
        if (ha_ == NULL || hb_ == NULL || strcmp(ha_, hb_) != 0) {           \
            printf("  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n", __FILE__,  \
                   __LINE__, #a, #b, ha_ ? ha_ : "(null)",                   \
                   hb_ ? hb_ : "(null)");                                    \
            harness_failed_checks++;                                         \
        }                                                                    \
    } while (0)

/* SKIP("why"): this test cannot run here (a tool or file is missing). */
#define SKIP(why)                                                            \
    do {                                                                     \
        printf("  SKIP %s:%d: %s\n", __FILE__, __LINE__, (why));             \
        harness_skip_now = 1;                                                \
        return;                                                              \
    } while (0)

static inline int harness_index(const char *name)
{
    for (int i = 0; i < harness_count; i++) {
        if (strcmp(harness_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static inline int harness_selected(const char *name)
{
    if (harness_nwanted == 0) {
        return 1;
    }
    for (int i = 0; i < harness_nwanted; i++) {
        if (strcmp(harness_wanted[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

static inline void harness_list(FILE *f, const char *indent)
{
    for (int i = 0; i < harness_count; i++) {
        fprintf(f, "%s%s\n", indent, harness_names[i]);
    }
}

/* harness_start: read the test names (or --list) from the command line. */
static inline void harness_start(int argc, char **argv)
{
    if (argc > 0 && argv[0] != NULL) {
        const char *slash = strrchr(argv[0], '/');
        harness_prog = slash ? slash + 1 : argv[0];
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            harness_list(stdout, "");
            exit(0);
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [--list] [TEST...]\n"
                   "runs the named tests, or all of them; --list names "
                   "them\n", harness_prog);
            exit(0);
        }
        if (argv[i][0] == '-' || harness_index(argv[i]) < 0) {
            fprintf(stderr, "%s: no test named '%s'; the tests are:\n",
                    harness_prog, argv[i]);
            harness_list(stderr, "  ");
            exit(2);
        }
    }
    harness_wanted = argv + 1;
    harness_nwanted = argc > 1 ? argc - 1 : 0;
}

static inline void harness_run(void (*fn)(void), const char *name)
{
    int at = harness_index(name);
    if (at >= 0) {
        harness_ran[at] = 1;
    }
    if (!harness_selected(name)) {
        return;
    }
    int before = harness_failed_checks;
    harness_skip_now = 0;
    fn();
    if (harness_failed_checks != before) {
        harness_failed++;
        printf("FAILED %s\n", name);
    } else if (harness_skip_now) {
        harness_skipped++;
    } else {
        harness_passed++;
    }
    harness_skip_now = 0;
}

#define RUN(name) harness_run(name, #name)

static inline int harness_done(const char *module)
{
    /* A test that main() never runs would pass unseen: count it failed. */
    for (int i = 0; i < harness_count; i++) {
        if (!harness_ran[i] && harness_selected(harness_names[i])) {
            printf("  FAIL %s: TEST(%s) is never RUN by main()\n", module,
                   harness_names[i]);
            printf("FAILED %s\n", harness_names[i]);
            harness_failed++;
        }
    }
    if (harness_skipped > 0) {
        printf("%s: %d passed, %d failed, %d skipped\n", module,
               harness_passed, harness_failed, harness_skipped);
    } else {
        printf("%s: %d passed, %d failed\n", module, harness_passed,
               harness_failed);
    }
    return harness_failed == 0 ? 0 : 1;
}

#endif
