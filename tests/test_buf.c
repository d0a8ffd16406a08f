/*
 * test_buf.c: the growable buffer, and its sticky out-of-memory state: once
 * an append fails, the buffer holds nothing, later appends do nothing, and
 * one check at the end sees it.
 */
#include "buf.h"

#include <stdint.h>
#include <string.h>

#include "failalloc.h"
#include "harness.h"
#include "rc.h"

TEST(appends_and_consume)
{
    struct buf b;
    buf_init(&b);
    CHECK_STR(buf_str(&b), "");
    CHECK_EQ_INT(buf_add(&b, "ab", 2), RC_OK);
    CHECK_EQ_INT(buf_addstr(&b, "cd"), RC_OK);
    CHECK_EQ_INT(buf_printf(&b, "%d-%s", 42, "x"), RC_OK);
    CHECK_STR(buf_str(&b), "abcd42-x");
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_INT(b.data[b.len], 0);
    buf_consume(&b, 3);
    CHECK_STR(buf_str(&b), "d42-x");
    buf_consume(&b, 100);
    CHECK_STR(buf_str(&b), "");
    CHECK_EQ_INT(b.len, 0);
    /* Growing past the first allocation keeps every byte. */
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ_INT(buf_printf(&b, "%03d,", i), RC_OK);
    }
    CHECK_EQ_INT(b.len, 4000);
    CHECK(memcmp(buf_str(&b), "000,001,", 8) == 0);
    CHECK(memcmp(buf_str(&b) + 3992, "998,999,", 8) == 0);
    CHECK(!buf_failed(&b));
    CHECK_EQ_INT(buf_check(&b, NULL, "x"), RC_OK);
    buf_fini(&b);
    CHECK(b.data == NULL && b.len == 0);
}

/* What a failed buffer looks like, however it failed. */
static void check_failed(struct buf *b)
{
    CHECK(buf_failed(b));
    CHECK_STR(buf_str(b), "");
    CHECK_EQ_INT(b->len, 0);
    CHECK(b->data == NULL);
    struct rc_msg msg;
    msg.text[0] = 0;
    CHECK_EQ_INT(buf_check(b, &msg, "the region table"), RC_NOMEM);
    CHECK_STR(msg.text, "out of memory building the region table");
    CHECK_EQ_INT(buf_check(b, NULL, "x"), RC_NOMEM);
    CHECK_EQ_INT(buf_check(b, &msg, NULL), RC_NOMEM);
    CHECK_STR(msg.text, "out of memory");
}

TEST(a_size_that_cannot_be_held_fails_the_buffer)
{
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(buf_addstr(&b, "whole "), RC_OK);
    /* len + n + 1 overflows size_t: no allocation can hold it. */
    CHECK_EQ_INT(buf_add(&b, "x", SIZE_MAX), RC_NOMEM);
    check_failed(&b);
    CHECK_EQ_INT(buf_add(&b, "x", SIZE_MAX - 8), RC_NOMEM);
    check_failed(&b);
    buf_fini(&b);
}

TEST(failure_is_sticky)
{
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(buf_addstr(&b, "first "), RC_OK);
    failalloc_arm(0);
    /* Bigger than the 64 bytes held: the next realloc fails. */
    CHECK_EQ_INT(buf_printf(&b, "%100s", "second"), RC_NOMEM);
    CHECK(failalloc_fired());
    check_failed(&b);
    /* Memory is back, but the text has a hole: appends do nothing and
     * do not even try to allocate. */
    long calls = failalloc_calls;
    CHECK_EQ_INT(buf_addstr(&b, "third"), RC_NOMEM);
    CHECK_EQ_INT(buf_add(&b, "4", 1), RC_NOMEM);
    CHECK_EQ_INT(buf_printf(&b, "%s", "fifth"), RC_NOMEM);
    CHECK_EQ_INT(failalloc_calls, calls);
    check_failed(&b);
    /* Consuming does not make it whole. */
    buf_consume(&b, 0);
    buf_consume(&b, 5);
    check_failed(&b);
    /* A new text starts after buf_clear. */
    buf_clear(&b);
    CHECK(!buf_failed(&b));
    CHECK_EQ_INT(buf_addstr(&b, "again"), RC_OK);
    CHECK_STR(buf_str(&b), "again");
    CHECK_EQ_INT(buf_check(&b, NULL, "x"), RC_OK);
    buf_fini(&b);
    /* buf_fini forgets it too. */
    failalloc_arm(0);
    CHECK_EQ_INT(buf_addstr(&b, "x"), RC_NOMEM);
    check_failed(&b);
    buf_fini(&b);
    CHECK(!buf_failed(&b));
    CHECK_EQ_INT(buf_addstr(&b, "y"), RC_OK);
    CHECK_STR(buf_str(&b), "y");
    buf_fini(&b);
}

/* Build a text of many appends, the way the formatters do. */
static void build(struct buf *b)
{
    for (int i = 0; i < 200; i++) {
        buf_addstr(b, "line ");
        buf_printf(b, "%d", i);
        buf_add(b, "\n", 1);
    }
}

TEST(any_failed_allocation_is_seen_at_the_end)
{
    struct buf whole;
    buf_init(&whole);
    long before = failalloc_calls;
    build(&whole);
    long n = failalloc_calls - before;
    CHECK(n >= 3);
    CHECK(!buf_failed(&whole));
    for (long k = 0; k < n; k++) {
        struct buf b;
        buf_init(&b);
        failalloc_arm(k);
        build(&b);
        CHECK(failalloc_fired());
        failalloc_disarm();
        /* Never a part of the text that looks whole. */
        check_failed(&b);
        buf_fini(&b);
    }
    buf_fini(&whole);
}

TEST(set_failed_by_hand)
{
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(buf_addstr(&b, "part"), RC_OK);
    CHECK_EQ_INT(buf_set_failed(&b), RC_NOMEM);
    check_failed(&b);
    CHECK_EQ_INT(buf_addstr(&b, "more"), RC_NOMEM);
    check_failed(&b);
    buf_fini(&b);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(appends_and_consume);
    RUN(a_size_that_cannot_be_held_fails_the_buffer);
    RUN(failure_is_sticky);
    RUN(any_failed_allocation_is_seen_at_the_end);
    RUN(set_failed_by_hand);
    return harness_done("buf");
}
