/*
 * test_inspect.c: the data inspector's text: numbers of every width and
 * order, and object words of both layout families (immediates decoded with
 * MicroPython's tag rules, pointers placed in the map and the heap).
 */
#include "inspect.h"

#include <string.h>

#include "harness.h"
#include "heapmap.h"
#include "rmap.h"

static int has(const char *s, const char *want)
{
    if (strstr(s, want) == NULL) {
        printf("    '%s' lacks '%s'\n", s, want);
        return 0;
    }
    return 1;
}

TEST(numbers_all_widths)
{
    const uint8_t b[8] = {0x00, 0x00, 0xc0, 0x3f, 0x12, 0x34, 0x56, 0x78};
    char l1[INSPECT_LINE], l2[INSPECT_LINE];
    inspect_numbers(b, 8, l1, l2);
    CHECK(has(l1, "u8 0  i8 0"));
    CHECK(has(l1, "u16 0x0000 0"));
    CHECK(has(l2, "u32 0x3fc00000 1069547520 (be 0x0000c03f)"));
    CHECK(has(l2, "f32 1.5 "));
    const uint8_t m[4] = {0xff, 0xfe, 0x01, 0x80};
    inspect_numbers(m, 4, l1, l2);
    CHECK(has(l1, "u8 255  i8 -1"));
    CHECK(has(l1, "u16 0xfeff 65279 (be 0xfffe 65534)  i16 -257 (be -2)"));
    CHECK(has(l2, "i32 -2147352833 (be -130688)"));
}

TEST(numbers_short)
{
    const uint8_t b[3] = {1, 2, 3};
    char l1[INSPECT_LINE], l2[INSPECT_LINE];
    inspect_numbers(b, 3, l1, l2);
    CHECK(has(l1, "u16 0x0201 513"));
    CHECK_STR(l2, "");
    inspect_numbers(b, 0, l1, l2);
    CHECK(has(l1, "not read yet"));
    inspect_numbers(b, 1, l1, l2);
    CHECK(strstr(l1, "u16") == NULL);
}

static int fake_qstr(void *ctx, uint32_t q, char *buf, size_t size, struct rc_msg *msg)
{
    (void)ctx;
    if (q == 123) {
        snprintf(buf, size, "spam");
        return RC_OK;
    }
    return rc_set(msg, RC_NOTFOUND, "qstr %u is past the last pool", (unsigned)q);
}

TEST(words_new_layout)
{
    struct objdec_layout lay;
    struct rc_msg msg;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 29, OBJDEC_REPR_A, &msg), RC_OK);
    struct objdec_qstr_ops qs = {fake_qstr, NULL};
    char line[INSPECT_LINE];
    inspect_word(0, &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "NULL, not a pointer"));
    inspect_word((uint32_t)(-3 * 2 + 1), &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "small int -3"));
    inspect_word(123u << 3 | 2, &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "qstr 123 'spam'"));
    inspect_word(124u << 3 | 2, &lay, NULL, NULL, NULL, line);
    CHECK(has(line, "qstr pools are not loaded (qstr 124)"));
    inspect_word(0u << 3 | 6, &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "word: None"));
    inspect_word(3u << 3 | 6, &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "word: True"));
    inspect_word(1u << 3 | 6, &lay, NULL, NULL, &qs, line);
    CHECK(has(line, "word: False"));
}

TEST(words_old_layout_repr_c)
{
    struct objdec_layout lay;
    struct rc_msg msg;
    CHECK_EQ_INT(objdec_layout_for(&lay, 1, 9, OBJDEC_REPR_C, &msg), RC_OK);
    char line[INSPECT_LINE];
    /* 1.5f is 0x3fc00000; representation C keeps it with tag 0b10 */
    inspect_word(0x3fc00000u + 0x00800000u + 2, &lay, NULL, NULL, NULL, line);
    CHECK(has(line, "float"));
    inspect_word(5u * 2 + 1, &lay, NULL, NULL, NULL, line);
    CHECK(has(line, "small int 5"));
}

TEST(pointers_in_the_map_and_heap)
{
    static const char text[] =
        "GC: total: 1024, used: 64, free: 960\r\n"
        "GC memory layout; from 20001000:\r\n"
        "00000000: h=L==..........................................................\r\n";
    struct rmap *m;
    rmap_new(&m);
    struct rmap_region r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "ram");
    r.start = 0x20000000;
    r.end = 0x20004000;
    r.kind = RMAP_K_RAM;
    rmap_add(m, &r);
    snprintf(r.name, sizeof r.name, "gc-heap");
    r.start = 0x20001000;
    r.end = 0x20001400;
    r.kind = RMAP_K_HEAP;
    rmap_add(m, &r);
    rmap_finish(m);
    struct heapmap h;
    struct rc_msg msg;
    CHECK_EQ_INT(heapmap_parse(text, strlen(text), 16, &h, &msg), RC_OK);
    struct objdec_layout lay;
    objdec_layout_for(&lay, 1, 29, OBJDEC_REPR_A, &msg);
    char line[INSPECT_LINE];
    inspect_word(0x20001020, &lay, m, &h, NULL, line);
    CHECK(has(line, "pointer into ram (gc-heap+0x20): the head of a 3-block list at 0x20001020"));
    inspect_word(0x20001024, &lay, m, &h, NULL, line);
    CHECK(has(line, "inside a 3-block list at 0x20001020"));
    inspect_word(0x20000010, NULL, m, &h, NULL, line);
    CHECK(has(line, "pointer into ram+0x10"));
    inspect_word(0x30000000, &lay, m, &h, NULL, line);
    CHECK(has(line, "no known region"));
    inspect_word(0x20001200, &lay, m, &h, NULL, line);
    CHECK(has(line, "a free heap block"));
    heapmap_fini(&h);
    rmap_free(m);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(numbers_all_widths);
    RUN(numbers_short);
    RUN(words_new_layout);
    RUN(words_old_layout_repr_c);
    RUN(pointers_in_the_map_and_heap);
    return harness_done("inspect");
}
