/*
 * failalloc.h: make realloc() fail on purpose, for the unit tests of code
 * that must notice running out of memory.
 *
 * Only test programs linked with -Wl,--wrap=realloc may include it (the
 * Makefile's FAILALLOC_TESTS): every realloc() call in the program's own
 * objects and in libmpeek.a then goes through failalloc_realloc below; the
 * C library's own calls do not.
 *
 *   failalloc_arm(n)    the call n calls from now (0: the next) fails,
 *                       the others succeed;
 *   failalloc_disarm()  no call fails;
 *   failalloc_fired()   the armed call has come (and failed);
 *   failalloc_calls     realloc() calls so far (also counted unarmed).
 *
 * A test counts the calls of a clean run, then arms 0 .. count-1 in turn
 * so that each of them fails once.
 */
#ifndef MPEEK_TEST_FAILALLOC_H
#define MPEEK_TEST_FAILALLOC_H

#include <stddef.h>

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static long failalloc_countdown = -1;
static long failalloc_calls;

void *__wrap_realloc(void *p, size_t n)
{
    failalloc_calls++;
    if (failalloc_countdown >= 0 && failalloc_countdown-- == 0) {
        return NULL;
    }
    return __real_realloc(p, n);
}

static inline void failalloc_arm(long n)
{
    failalloc_countdown = n;
}

static inline void failalloc_disarm(void)
{
    failalloc_countdown = -1;
}

/* Did the armed failure happen (armed and then reached)? */
static inline int failalloc_fired(void)
{
    return failalloc_countdown == -1;
}

#endif
