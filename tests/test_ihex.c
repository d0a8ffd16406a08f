/*
 * test_ihex.c: Intel HEX parsing, merging, rendering and its errors; the
 * real micro:bit firmware.hex when it is installed.
 */
#include "ihex.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int parse(const char *text, struct ihex *h, struct rc_msg *msg)
{
    return ihex_parse(text, strlen(text), "t.hex", h, msg);
}

TEST(basic_records_merge)
{
    struct ihex h;
    struct rc_msg msg;
    const char *t =
        ":0400000001020304F2\n"
        ":0400040005060708DE\r\n"
        ":020000041000EA\n"
        ":0210C000AABBC9\n"
        ":0400000500001234B1\n"
        ":00000001FF\n";
    CHECK_EQ_INT(parse(t, &h, &msg), RC_OK);
    CHECK_EQ_INT(h.nsegs, 2);
    if (h.nsegs != 2) {
        printf("  %s\n", msg.text);
        return;
    }
    CHECK_EQ_INT(h.segs[0].addr, 0);
    CHECK_EQ_INT(h.segs[0].len, 8);
    CHECK_EQ_INT(h.segs[0].data[7], 8);
    CHECK_EQ_INT(h.segs[1].addr, 0x100010C0);
    CHECK_EQ_INT(h.segs[1].data[1], 0xBB);
    CHECK(h.has_start);
    CHECK_EQ_INT(h.start, 0x1234);
    uint8_t out[12];
    CHECK_EQ_INT(ihex_render(&h, 2, 12, 0xFF, out), 6);
    CHECK_EQ_INT(out[0], 3);
    CHECK_EQ_INT(out[5], 8);
    CHECK_EQ_INT(out[6], 0xFF);
    ihex_free(&h);
}

TEST(errors_name_file_and_line)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {":0400000001020304F3\n:00000001FF\n", "t.hex:1: bad checksum"},
        {"0400000001020304F2\n", "t.hex:1: a record must start with ':'"},
        {":0400000001020304F2\n:040000\n", "t.hex:2: truncated record"},
        {":0500000001020304F2\n:00000001FF\n", "t.hex:1: record says 5 data bytes but has 4"},
        {":04000000010203G4F2\n", "t.hex:1:16: 'G' is not a hex digit"},
        {":0400000001020304F2\n", "no end-of-file record"},
        {":00000001FF\n:0400000001020304F2\n", "t.hex:2: data after the end-of-file record"},
        {":0400000001020304F2\n:0400020001020304F0\n:00000001FF\n", "t.hex:2: record at 0x00000002 overlaps"},
        {":0400000A01020304E8\n:00000001FF\n", "t.hex:1: unknown record type 0x0a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ihex h;
        struct rc_msg msg = {{0}};
        int rc = parse(cases[i].text, &h, &msg);
        CHECK(rc != RC_OK);
        if (strstr(msg.text, cases[i].want) == NULL) {
            printf("  case %zu: got \"%s\"\n", i, msg.text);
        }
        CHECK(strstr(msg.text, cases[i].want) != NULL);
        CHECK(h.segs == NULL && h.nsegs == 0);
        ihex_free(&h);
    }
}

TEST(control_bytes_in_records_are_shown_escaped)
{
    /* A NUL used to end the message at the quote; ESC went out raw. */
    static const struct {
        const char text[24];
        size_t len;
        const char *want;
    } cases[] = {
#define T(s) s, sizeof s - 1
        {T(":04000000010203\0004F2\n"), "t.hex:1:16: '\\x00' is not a hex digit"},
        {T(":0400000001\x1b[2J04F2\n"), "t.hex:1:12: '\\x1b' is not a hex digit"},
        {T(":04000000010203\x9b" "4F2\n"), "t.hex:1:16: '\\x9b' is not a hex digit"},
#undef T
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ihex h;
        struct rc_msg msg = {{0}};
        CHECK(ihex_parse(cases[i].text, cases[i].len, "t.hex", &h, &msg) != RC_OK);
        CHECK_STR(msg.text, cases[i].want);
        for (const char *c = msg.text; *c; c++) {
            CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        }
        ihex_free(&h);
    }
}

TEST(microbit_firmware)
{
    const char *fw = "/usr/share/firmware-microbit-micropython/firmware.hex";
    if (access(fw, R_OK) != 0) {
        SKIP("needs firmware-microbit-micropython's firmware.hex (not installed)");
    }
    struct ihex h;
    struct rc_msg msg;
    CHECK_EQ_INT(ihex_load(fw, &h, &msg), RC_OK);
    CHECK(h.nsegs >= 1);
    CHECK_EQ_INT(h.segs[0].addr, 0);
    uint8_t *flash = malloc(0x40000);
    size_t covered = ihex_render(&h, 0, 0x40000, 0xFF, flash);
    CHECK(covered > 200000);
    /* The Cortex-M0 vector table: initial SP in RAM, reset vector thumb. */
    uint32_t sp = flash[0] | flash[1] << 8 | flash[2] << 16 | (uint32_t)flash[3] << 24;
    CHECK_EQ_INT(sp, 0x20004000);
    CHECK(flash[4] & 1);
    free(flash);
    ihex_free(&h);
}

TEST(missing_file)
{
    struct ihex h;
    struct rc_msg msg;
    CHECK_EQ_INT(ihex_load("/nonexistent/fw.hex", &h, &msg), RC_NOTFOUND);
    CHECK(strstr(msg.text, "/nonexistent/fw.hex") != NULL);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(basic_records_merge);
    RUN(errors_name_file_and_line);
    RUN(control_bytes_in_records_are_shown_escaped);
    RUN(microbit_firmware);
    RUN(missing_file);
    return harness_done("ihex");
}
