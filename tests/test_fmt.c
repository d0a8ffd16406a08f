/*
 * test_fmt.c: command-line numbers, range checks, xxd lines, sizes.
 */
#include "fmt.h"

#include <string.h>

#include "failalloc.h"
#include "harness.h"

static uint64_t num(const char *s, int *rc)
{
    uint64_t v = 0;
    struct rc_msg msg;
    *rc = fmt_parse_u64(s, "ADDR", &v, &msg);
    return v;
}

TEST(numbers)
{
    int rc;
    CHECK_EQ_INT(num("0", &rc), 0);
    CHECK_EQ_INT(rc, RC_OK);
    CHECK_EQ_INT(num("4096", &rc), 4096);
    CHECK_EQ_INT(num("0x20000000", &rc), 0x20000000);
    CHECK_EQ_INT(num("0X1f", &rc), 31);
    CHECK_EQ_INT(num("16K", &rc), 16384);
    CHECK_EQ_INT(num("16k", &rc), 16384);
    CHECK_EQ_INT(num("1M", &rc), 1048576);
    CHECK_EQ_INT(num("0x10K", &rc), 16384);
    CHECK_EQ_INT(num("0o777", &rc), 511);
    CHECK_EQ_INT(num("0b1010_1010", &rc), 170);
    CHECK_EQ_INT(num("0x1_0000_0000", &rc), 0x100000000ULL);
    CHECK_EQ_INT(rc, RC_OK);
}

TEST(bad_numbers)
{
    static const char *bad[] = {"", "x", "0x", "12z", "1KK", "0b102", "-1",
                                "99999999999999999999", "0xffffffffffffffffff",
                                "_1", "1 ", "0o8", "20000000000000000M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v;
        struct rc_msg msg = {{0}};
        CHECK_EQ_INT(fmt_parse_u64(bad[i], "LEN", &v, &msg), RC_ARG);
        CHECK(strstr(msg.text, "LEN") != NULL);
    }
}

TEST(ranges)
{
    struct rc_msg msg;
    CHECK_EQ_INT(fmt_check_range(0, 0x40000, &msg), RC_OK);
    CHECK_EQ_INT(fmt_check_range(0xfffffff0, 16, &msg), RC_OK);
    CHECK_EQ_INT(fmt_check_range(0xfffffff0, 17, &msg), RC_ARG);
    CHECK_EQ_INT(fmt_check_range(0x100000000ULL, 1, &msg), RC_ARG);
    CHECK_EQ_INT(fmt_check_range(0, 0, &msg), RC_ARG);
    CHECK(strstr(msg.text, "LEN is 0") != NULL);
}

TEST(xxd_lines)
{
    char line[100];
    const uint8_t full[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    fmt_xxd_line(0, full, 16, line);
    CHECK_STR(line, "00000000: 7f45 4c46 0201 0100 0000 0000 0000 0000  .ELF............\n");
    const uint8_t part[4] = {0x03, 0x00, 0x3e, 0x00};
    fmt_xxd_line(0x10, part, 4, line);
    CHECK_STR(line, "00000010: 0300 3e00                                ..>.\n");
    const uint8_t odd[3] = {'a', 'b', 'c'};
    fmt_xxd_line(0x20000000, odd, 3, line);
    CHECK_STR(line, "20000000: 6162 63                                  abc\n");
}

TEST(sizes)
{
    char s[32];
    fmt_size(17, s, sizeof s);
    CHECK_STR(s, "17 bytes");
    fmt_size(262144, s, sizeof s);
    CHECK_STR(s, "256 KiB");
    fmt_size(1536, s, sizeof s);
    CHECK_STR(s, "1.5 KiB");
    fmt_size(3 << 20, s, sizeof s);
    CHECK_STR(s, "3 MiB");
}

TEST(progress)
{
    char s[100];
    fmt_progress(50, 100, 2.0, s, sizeof s);
    CHECK(strstr(s, " 50%") != NULL);
    CHECK(strncmp(s, "[###############...............]", 32) == 0);
    fmt_progress(0, 0, 0, s, sizeof s);
    CHECK(strstr(s, "100%") != NULL);
}

TEST(escape_for_the_terminal)
{
    char out[128];
    CHECK_STR(fmt_esc("plain text", out, sizeof out), "plain text");
    CHECK_STR(fmt_esc("\x1b[2Jgone", out, sizeof out), "\\x1b[2Jgone");
    CHECK_STR(fmt_esc("\x1b]0;title\x07", out, sizeof out), "\\x1b]0;title\\x07");
    CHECK_STR(fmt_esc("a\nb\tc\x7f", out, sizeof out), "a\\x0ab\\x09c\\x7f");
    /* UTF-8 stays; C1 controls (raw or as UTF-8) and broken UTF-8 do not */
    CHECK_STR(fmt_esc("caf\xc3\xa9 \xe2\x86\x92", out, sizeof out), "caf\xc3\xa9 \xe2\x86\x92");
    CHECK_STR(fmt_esc("\x9b" "2J", out, sizeof out), "\\x9b2J");
    CHECK_STR(fmt_esc("\xc2\x9b" "2J", out, sizeof out), "\\xc2\\x9b2J");
    CHECK_STR(fmt_esc("\xc3", out, sizeof out), "\\xc3");
    CHECK_STR(fmt_esc("\xe0\x80\x80", out, sizeof out), "\\xe0\\x80\\x80");
    /* keep, NUL inside, and truncation never splits an escape */
    CHECK_STR(fmt_escape("a\nb\x1b", 4, "\n", out, sizeof out), "a\nb\\x1b");
    CHECK_STR(fmt_escape("a\0b", 3, NULL, out, sizeof out), "a\\x00b");
    CHECK_STR(fmt_escape("ab\x1b", 3, NULL, out, 6), "ab");
    CHECK_STR(fmt_escape("ab\x1b", 3, NULL, out, 7), "ab\\x1b");
    CHECK(fmt_needs_escape("\x1b", 1, NULL));
    CHECK(!fmt_needs_escape("a\nb", 3, "\n"));
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(fmt_escape_buf(&b, "x\x1b[31my", 7, NULL), RC_OK);
    CHECK_STR(buf_str(&b), "x\\x1b[31my");
    buf_clear(&b);
    CHECK_EQ_INT(fmt_json_str(&b, "q\"\\\x1b\n\x7f\xff\xc2\x9b\xc3\xa9"), RC_OK);
    CHECK_STR(buf_str(&b), "\"q\\\"\\\\\\u001b\\u000a\\u007f\\u00ff\\u009b\xc3\xa9\"");
    buf_clear(&b);
    CHECK_EQ_INT(fmt_csv_field(&b, "a,\x1b\"b\n"), RC_OK);
    CHECK_STR(buf_str(&b), "\"a,\\x1b\"\"b\\x0a\"");
    buf_fini(&b);
}

/* Each allocation failing in turn while text is appended to a buffer that
 * already holds some: RC_NOMEM, and the buffer is failed (no text with a
 * hole in it), the scratch buffer of fmt_csv_field included. */
TEST(out_of_memory_while_escaping)
{
    char long_text[300];
    for (size_t i = 0; i < sizeof long_text - 1; i++) {
        long_text[i] = i % 7 == 0 ? '\x1b' : i % 11 == 0 ? '"' : i % 13 == 0 ? ',' : 'a';
    }
    long_text[sizeof long_text - 1] = 0;
    for (int fn = 0; fn < 3; fn++) {
        long n = 0;
        for (long k = -1; k < n; k++) {
            struct buf b;
            buf_init(&b);
            buf_addstr(&b, "before,");
            long before = failalloc_calls;
            failalloc_arm(k);
            int rc = fn == 0 ? fmt_escape_buf(&b, long_text, strlen(long_text), NULL)
                   : fn == 1 ? fmt_json_str(&b, long_text)
                             : fmt_csv_field(&b, long_text);
            if (k < 0) {
                n = failalloc_calls - before;
                CHECK(n >= 1);
                CHECK_EQ_INT(rc, RC_OK);
                CHECK(strncmp(buf_str(&b), "before,", 7) == 0);
                CHECK(b.len > 300);
            } else {
                CHECK(failalloc_fired());
                CHECK_EQ_INT(rc, RC_NOMEM);
                CHECK(buf_failed(&b));
                CHECK_STR(buf_str(&b), "");
            }
            failalloc_disarm();
            buf_fini(&b);
        }
    }
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(numbers);
    RUN(out_of_memory_while_escaping);
    RUN(bad_numbers);
    RUN(ranges);
    RUN(xxd_lines);
    RUN(sizes);
    RUN(progress);
    RUN(escape_for_the_terminal);
    return harness_done("fmt");
}
