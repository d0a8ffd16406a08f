/*
 * harness.h: a tiny test harness for the unit-test programs.
 *
 *   TEST(name) { CHECK(expr); CHECK_EQ_INT(a, b); CHECK_STR(a, b); }
 *   int main(void) { RUN(name); ...; return harness_done("module"); }
 *
 * Each program prints one line per failed check and ends with
 * "module: N passed, N failed"; the exit status is non-zero on failure.
 */
#ifndef MPEEK_TEST_HARNESS_H
#define MPEEK_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failed_checks;
static int harness_passed;
static int harness_failed;

#define TEST(name) static void name(void)

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

#define RUN(name)                                                            \
    do {                                                                     \
        int before_ = harness_failed_checks;                                 \
        name();                                                              \
        if (harness_failed_checks == before_) {                              \
            harness_passed++;                                                \
        } else {                                                             \
            harness_failed++;                                                \
            printf("FAILED %s\n", #name);                                    \
        }                                                                    \
    } while (0)

static inline int harness_done(const char *module)
{
    printf("%s: %d passed, %d failed\n", module, harness_passed,
           harness_failed);
    return harness_failed == 0 ? 0 : 1;
}

#endif
