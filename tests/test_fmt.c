/*
 * test_fmt.c: command-line numbers, range checks, xxd lines, sizes.
 */
#include "fmt.h"

#include <string.h>

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

int main(void)
{
    RUN(numbers);
    RUN(bad_numbers);
    RUN(ranges);
    RUN(xxd_lines);
    RUN(sizes);
    RUN(progress);
    return harness_done("fmt");
}
