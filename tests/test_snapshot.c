/*
 * test_snapshot.c: the snapshot file format (snapshot.h): a round trip of
 * every field, and every kind of broken file refused with one clear line
 * (truncated at every length, wrong magic, a newer version, a bad digest,
 * section and count lengths that lie), never a crash.  Broken files with
 * a correct digest are made by fixing the digest after the damage, so
 * the checks behind the digest are reached.  Also image_from_segs, which
 * makes a snapshot's memory an image.
 */
#include "snapshot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "image.h"
#include "recdec.h"

static const char heap_text[] =
    "stack: 528 out of 1800\r\n"
    "GC: total: 10048, used: 1936, free: 8112\r\n"
    " No. of 1-blocks: 17, 2-blocks: 4, max blk sz: 40, max free sz: 501\r\n"
    "GC memory layout; from 200004a0:\r\n"
    "00000: MDhhLhShhhBh....\r\n";

static uint8_t ram[64], flash[32];

/* A snapshot with every field set; mem blocks in order. */
static void sample(struct snapshot *s, struct rmap_region regs[2],
                   const char *notes[2], struct snapshot_mem mem[2])
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof ram; i++) {
        ram[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t i = 0; i < sizeof flash; i++) {
        flash[i] = (uint8_t)(0xff - i);
    }
    s->info.recorded = 1796540400;
    s->info.repr_c = 1;
    strcpy(s->info.impl, "micropython");
    strcpy(s->info.version, "1.9.2");
    strcpy(s->info.firmware, "micro:bit v1.0.1+b'c82c5f5' on 2017-10-06");
    strcpy(s->info.machine, "micro:bit with nRF51822");
    strcpy(s->info.platform, "microbit");
    strcpy(s->info.port, "/dev/ttyACM0");
    strcpy(s->info.mpeek, "0.2.0");
    memset(regs, 0, 2 * sizeof *regs);
    strcpy(regs[0].name, "flash");
    regs[0].start = 0;
    regs[0].end = 0x40000;
    regs[0].attrs = RMAP_A_R | RMAP_A_X;
    regs[0].kind = RMAP_K_FLASH;
    regs[0].source = RMAP_S_BOARD;
    regs[0].access = RMAP_ACC_READ;
    strcpy(regs[0].notes, "code flash; profile agrees");
    strcpy(regs[1].name, "gc-heap");
    regs[1].start = 0x200004a0;
    regs[1].end = 0x20002be0;
    regs[1].attrs = RMAP_A_R | RMAP_A_W;
    regs[1].kind = RMAP_K_HEAP;
    regs[1].source = RMAP_S_PROFILE;
    regs[1].access = RMAP_ACC_WORD;
    s->regions = regs;
    s->nregions = 2;
    notes[0] = "profile microbit: BBC micro:bit v1";
    notes[1] = "stack: 528 of 1800 bytes in use (mem_info)";
    s->notes = notes;
    s->nnotes = 2;
    s->heap_text = heap_text;
    s->heap_len = strlen(heap_text);
    s->block_size = 16;
    mem[0] = (struct snapshot_mem){0x1000, sizeof flash, flash};
    mem[1] = (struct snapshot_mem){0x20000000, sizeof ram, ram};
    s->mem = mem;
    s->nmem = 2;
}

/* The sample encoded into b. */
static void encoded(struct buf *b)
{
    struct snapshot s;
    struct rmap_region regs[2];
    const char *notes[2];
    struct snapshot_mem mem[2];
    sample(&s, regs, notes, mem);
    buf_init(b);
    struct rc_msg msg = {{0}};
    int rc = snapshot_encode(&s, b, &msg);
    if (rc != RC_OK) {
        printf("  encode: %s\n", msg.text);
    }
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Make the digest right again after a change. */
static void refix(uint8_t *d, size_t len)
{
    recdec_sha256(d, len - SNAPSHOT_DIGEST, d + len - SNAPSHOT_DIGEST);
}

/* Parse; the rc, and the message in msg. */
static int parse(const uint8_t *d, size_t len, struct rc_msg *msg)
{
    struct snapshot *s = NULL;
    memset(msg, 0, sizeof *msg);
    int rc = snapshot_parse(d, len, "t.mpk", &s, msg);
    if (rc == RC_OK) {
        snapshot_free(s);
    } else if (s != NULL) {
        rc = 99; /* a failure must leave no snapshot */
    }
    return rc;
}

/* A file of the given sections (tag, payload) with a right header and
 * digest. */
struct sect {
    const char *tag;
    const uint8_t *p;
    size_t n;
};

static uint8_t *build(const struct sect *ss, size_t ns, size_t *len)
{
    size_t total = SNAPSHOT_HEADER + SNAPSHOT_DIGEST;
    for (size_t i = 0; i < ns; i++) {
        total += 16 + ss[i].n;
    }
    uint8_t *d = calloc(1, total);
    memcpy(d, SNAPSHOT_MAGIC, 8);
    put_le(d + 8, SNAPSHOT_VERSION, 4);
    put_le(d + 16, total, 8);
    size_t pos = SNAPSHOT_HEADER;
    for (size_t i = 0; i < ns; i++) {
        memcpy(d + pos, ss[i].tag, 4);
        put_le(d + pos + 8, ss[i].n, 8);
        if (ss[i].n > 0) {
            memcpy(d + pos + 16, ss[i].p, ss[i].n);
        }
        pos += 16 + ss[i].n;
    }
    refix(d, total);
    *len = total;
    return d;
}

/* An INFO payload with empty strings. */
static const uint8_t info_min[8 + 4 + 7 * 2] = {0};
/* A REGN payload with no regions. */
static const uint8_t regn_none[4] = {0};

TEST(round_trip)
{
    struct buf b;
    encoded(&b);
    CHECK(b.len > SNAPSHOT_HEADER + SNAPSHOT_DIGEST);
    CHECK(memcmp(b.data, SNAPSHOT_MAGIC, 8) == 0);
    CHECK(snapshot_is(b.data, b.len));
    struct snapshot *s = NULL;
    struct rc_msg msg = {{0}};
    int rc = snapshot_parse(b.data, b.len, "t.mpk", &s, &msg);
    CHECK_EQ_INT(rc, RC_OK);
    if (rc != RC_OK) {
        printf("  %s\n", msg.text);
        buf_fini(&b);
        return;
    }
    struct snapshot w;
    struct rmap_region regs[2];
    const char *notes[2];
    struct snapshot_mem mem[2];
    sample(&w, regs, notes, mem);
    CHECK(s->info.recorded == w.info.recorded);
    CHECK_EQ_INT(s->info.repr_c, 1);
    CHECK_STR(s->info.impl, w.info.impl);
    CHECK_STR(s->info.version, w.info.version);
    CHECK_STR(s->info.firmware, w.info.firmware);
    CHECK_STR(s->info.machine, w.info.machine);
    CHECK_STR(s->info.platform, w.info.platform);
    CHECK_STR(s->info.port, w.info.port);
    CHECK_STR(s->info.mpeek, w.info.mpeek);
    CHECK_EQ_INT(s->nregions, 2);
    for (size_t i = 0; i < 2 && s->nregions == 2; i++) {
        const struct rmap_region *r = &s->regions[i];
        CHECK_STR(r->name, regs[i].name);
        CHECK(r->start == regs[i].start && r->end == regs[i].end);
        CHECK_EQ_INT(r->attrs, regs[i].attrs);
        CHECK_EQ_INT(r->kind, regs[i].kind);
        CHECK_EQ_INT(r->source, regs[i].source);
        CHECK_EQ_INT(r->access, regs[i].access);
        CHECK_STR(r->notes, regs[i].notes);
    }
    CHECK_EQ_INT(s->nnotes, 2);
    for (size_t i = 0; i < 2 && s->nnotes == 2; i++) {
        CHECK_STR(s->notes[i], notes[i]);
    }
    CHECK(s->heap_text != NULL && s->heap_len == strlen(heap_text) &&
          memcmp(s->heap_text, heap_text, s->heap_len) == 0);
    CHECK_EQ_INT(s->block_size, 16);
    CHECK_EQ_INT(s->nmem, 2);
    for (size_t i = 0; i < 2 && s->nmem == 2; i++) {
        CHECK(s->mem[i].addr == mem[i].addr && s->mem[i].len == mem[i].len &&
              memcmp(s->mem[i].data, mem[i].data, mem[i].len) == 0);
    }
    snapshot_free(s);
    buf_fini(&b);
}

/* A snapshot with no heap map, no notes, no memory: still a snapshot. */
TEST(round_trip_empty)
{
    struct snapshot w;
    memset(&w, 0, sizeof w);
    w.info.repr_c = -1;
    struct buf b;
    buf_init(&b);
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(snapshot_encode(&w, &b, &msg), RC_OK);
    struct snapshot *s = NULL;
    CHECK_EQ_INT(snapshot_parse(b.data, b.len, "t.mpk", &s, &msg), RC_OK);
    if (s != NULL) {
        CHECK(s->heap_text == NULL && s->nmem == 0 && s->nregions == 0 &&
              s->nnotes == 0 && s->info.repr_c == -1);
    }
    snapshot_free(s);
    buf_fini(&b);
}

TEST(file_round_trip)
{
    struct buf b;
    encoded(&b);
    char path[] = "/tmp/mpeek-test-snapXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, b.data, b.len) == (ssize_t)b.len);
    close(fd);
    CHECK(snapshot_file_is(path));
    struct snapshot *s = NULL;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(snapshot_load(path, &s, &msg), RC_OK);
    CHECK(s != NULL && s->nmem == 2);
    snapshot_free(s);
    /* cut short on disk */
    CHECK(truncate(path, (off_t)b.len - 5) == 0);
    CHECK_EQ_INT(snapshot_load(path, &s, &msg), RC_PARSE);
    CHECK(s == NULL && strstr(msg.text, "truncated") != NULL);
    unlink(path);
    CHECK_EQ_INT(snapshot_load(path, &s, &msg), RC_NOTFOUND);
    CHECK(strstr(msg.text, path) != NULL);
    CHECK(!snapshot_file_is(path));
    CHECK(!snapshot_file_is("/tmp"));
    buf_fini(&b);
}

/* Every prefix of a good file is refused, with a message, never a crash. */
TEST(truncated_everywhere)
{
    struct buf b;
    encoded(&b);
    int all = 1;
    for (size_t n = 0; n < b.len; n++) {
        struct rc_msg msg;
        int rc = parse(b.data, n, &msg);
        if (rc != RC_PARSE || msg.text[0] == 0 || strchr(msg.text, '\n') != NULL) {
            printf("  prefix %zu: rc %d: %s\n", n, rc, msg.text);
            all = 0;
            break;
        }
        if (n >= SNAPSHOT_HEADER && strstr(msg.text, "truncated") == NULL) {
            printf("  prefix %zu does not say truncated: %s\n", n, msg.text);
            all = 0;
            break;
        }
    }
    CHECK(all);
    buf_fini(&b);
}

TEST(wrong_magic)
{
    struct buf b;
    encoded(&b);
    struct rc_msg msg;
    b.data[0] = 'X';
    CHECK_EQ_INT(parse(b.data, b.len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "t.mpk: not an mpeek snapshot") != NULL);
    CHECK(!snapshot_is(b.data, b.len));
    buf_fini(&b);
}

TEST(newer_version)
{
    struct buf b;
    encoded(&b);
    struct rc_msg msg;
    put_le(b.data + 8, 2, 4);
    refix(b.data, b.len);
    CHECK_EQ_INT(parse(b.data, b.len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "version 2") != NULL &&
          strstr(msg.text, "update mpeek") != NULL);
    put_le(b.data + 8, 0, 4);
    refix(b.data, b.len);
    CHECK_EQ_INT(parse(b.data, b.len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "version 0") != NULL);
    buf_fini(&b);
}

/* Any one byte changed after the header: the digest says so. */
TEST(bad_digest)
{
    struct buf b;
    encoded(&b);
    int all = 1;
    for (size_t i = SNAPSHOT_HEADER; i < b.len; i += 7) {
        struct rc_msg msg;
        b.data[i] ^= 0x40;
        int rc = parse(b.data, b.len, &msg);
        b.data[i] ^= 0x40;
        if (rc != RC_PARSE || strstr(msg.text, "damaged") == NULL) {
            printf("  byte %zu: rc %d: %s\n", i, rc, msg.text);
            all = 0;
            break;
        }
    }
    CHECK(all);
    buf_fini(&b);
}

TEST(lengths_that_lie)
{
    struct buf b;
    encoded(&b);
    struct rc_msg msg;
    /* header length: absurd, and more bytes than it says */
    uint8_t *d = malloc(b.len + 3);
    memcpy(d, b.data, b.len);
    put_le(d + 16, UINT64_MAX, 8);
    CHECK_EQ_INT(parse(d, b.len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "impossible length") != NULL);
    memcpy(d, b.data, b.len);
    memset(d + b.len, 0, 3);
    CHECK_EQ_INT(parse(d, b.len + 3, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "3 bytes after the end") != NULL);
    /* the first section (INFO) says it is huge */
    memcpy(d, b.data, b.len);
    put_le(d + SNAPSHOT_HEADER + 8, UINT64_MAX, 8);
    refix(d, b.len);
    CHECK_EQ_INT(parse(d, b.len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "section 1 ('INFO')") != NULL &&
          strstr(msg.text, "only") != NULL);
    /* ... or one byte too long */
    memcpy(d, b.data, b.len);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) {
        n |= (uint64_t)d[SNAPSHOT_HEADER + 8 + i] << (8 * i);
    }
    put_le(d + SNAPSHOT_HEADER + 8, n - 1, 8);
    refix(d, b.len);
    CHECK_EQ_INT(parse(d, b.len, &msg), RC_PARSE);
    CHECK(msg.text[0] != 0 && strchr(msg.text, '\n') == NULL);
    free(d);
    buf_fini(&b);

    /* a count of regions that cannot fit */
    uint8_t regn[4];
    put_le(regn, 0xffffffffu, 4);
    struct sect ss[] = {{"INFO", info_min, sizeof info_min}, {"REGN", regn, 4}};
    size_t len;
    d = build(ss, 2, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "4294967295 regions cannot fit") != NULL);
    free(d);
    /* a string longer than what remains */
    uint8_t info[sizeof info_min];
    memset(info, 0, sizeof info);
    put_le(info + 12, 0xffff, 2);
    ss[0] = (struct sect){"INFO", info, sizeof info};
    ss[1] = (struct sect){"REGN", regn_none, 4};
    d = build(ss, 2, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "INFO: the implementation needs 65535 bytes") != NULL);
    free(d);
    /* a string longer than its field */
    uint8_t info2[sizeof info_min + 40];
    memset(info2, 0, sizeof info2);
    put_le(info2 + 12, 40, 2);
    memset(info2 + 14, 'a', 40);
    ss[0] = (struct sect){"INFO", info2, sizeof info2};
    d = build(ss, 2, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "the implementation is 40 bytes; at most 31") != NULL);
    free(d);
}

TEST(sections_wrong)
{
    struct rc_msg msg;
    size_t len;
    /* no REGN */
    struct sect one[] = {{"INFO", info_min, sizeof info_min}};
    uint8_t *d = build(one, 1, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "the REGN section is missing") != NULL);
    free(d);
    /* two INFO */
    struct sect two[] = {{"INFO", info_min, sizeof info_min},
                         {"INFO", info_min, sizeof info_min},
                         {"REGN", regn_none, 4}};
    d = build(two, 3, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "a second 'INFO' section") != NULL);
    free(d);
    /* an unknown section is skipped */
    static const uint8_t junk[5] = {1, 2, 3, 4, 5};
    struct sect unk[] = {{"INFO", info_min, sizeof info_min},
                         {"XTRA", junk, 5}, {"REGN", regn_none, 4}};
    d = build(unk, 3, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_OK);
    free(d);
    /* overlapping memory, and a block past 4 GiB */
    uint8_t m1[8] = {0x00, 0x10, 0, 0, 1, 2, 3, 4};
    uint8_t m2[6] = {0x02, 0x10, 0, 0, 5, 6};
    struct sect mem[] = {{"INFO", info_min, sizeof info_min},
                         {"REGN", regn_none, 4}, {"MEM ", m2, 6}, {"MEM ", m1, 8}};
    d = build(mem, 4, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "memory blocks overlap at 0x00001002") != NULL);
    free(d);
    uint8_t m3[6] = {0xff, 0xff, 0xff, 0xff, 5, 6};
    mem[2] = (struct sect){"MEM ", m3, 6};
    d = build(mem, 3, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "runs past 2^32") != NULL);
    free(d);
    /* a GC block size that is no power of two */
    uint8_t heap[8] = {24, 0, 0, 0, 'G', 'C', ':', ' '};
    struct sect hp[] = {{"INFO", info_min, sizeof info_min},
                        {"REGN", regn_none, 4}, {"HEAP", heap, 8}};
    d = build(hp, 3, &len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "a GC block of 24 bytes") != NULL);
    free(d);
    /* a tag of control bytes is named in hex */
    struct sect bad[] = {{"\x01\x02\x03\x04", junk, 5}};
    d = build(bad, 1, &len);
    put_le(d + SNAPSHOT_HEADER + 8, 1000, 8);
    refix(d, len);
    CHECK_EQ_INT(parse(d, len, &msg), RC_PARSE);
    CHECK(strstr(msg.text, "(0x01020304)") != NULL);
    free(d);
}

/* A region with an unknown kind, or an end before its start. */
TEST(region_fields)
{
    struct buf b;
    buf_init(&b);
    struct snapshot w;
    struct rmap_region regs[2];
    const char *notes[2];
    struct snapshot_mem mem[2];
    sample(&w, regs, notes, mem);
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(snapshot_encode(&w, &b, &msg), RC_OK);
    /* "flash" as the kind of region 1 becomes "flish" */
    uint8_t *p = NULL;
    static const char pat[] = "\x05\x00" "flash\x05\x00" "board";
    for (size_t i = 0; i + 14 <= b.len && p == NULL; i++) {
        if (memcmp(b.data + i, pat, 14) == 0) {
            p = b.data + i;
        }
    }
    CHECK(p != NULL);
    if (p != NULL) {
        p[4] = 'i';
        refix(b.data, b.len);
        CHECK_EQ_INT(parse(b.data, b.len, &msg), RC_PARSE);
        CHECK(strstr(msg.text, "region 1: unknown kind 'flish'") != NULL);
    }
    buf_fini(&b);
    /* end before start: refused when writing, and when reading */
    regs[1].end = regs[1].start;
    buf_init(&b);
    CHECK_EQ_INT(snapshot_encode(&w, &b, &msg), RC_ARG);
    buf_fini(&b);
    /* overlapping blocks are refused when writing */
    regs[1].end = 0x20002be0;
    mem[1].addr = 0x1010;
    buf_init(&b);
    CHECK_EQ_INT(snapshot_encode(&w, &b, &msg), RC_ARG);
    CHECK(strstr(msg.text, "overlap") != NULL);
    buf_fini(&b);
}

/* The memory of a snapshot as an image. */
TEST(snapshot_image)
{
    uint8_t a[4] = {1, 2, 3, 4}, c[2] = {9, 8};
    struct image_seg segs[2] = {{0x2000, 2, c}, {0x1000, 4, a}};
    struct image *img = NULL;
    struct rc_msg msg = {{0}};
    CHECK_EQ_INT(image_from_segs("s.mpk", IMAGE_SNAP, segs, 2, &img, &msg), RC_OK);
    if (img != NULL) {
        uint8_t out[4] = {0};
        CHECK_EQ_INT(img->nsegs, 2);
        CHECK_EQ_INT(image_copy(img, 0x1000, 4, out), 4);
        CHECK(memcmp(out, a, 4) == 0);
        CHECK_EQ_INT(image_copy(img, 0x2001, 1, out), 1);
        CHECK_EQ_INT(out[0], 8);
        CHECK_STR(image_kind_name(img->kind), "mpeek snapshot");
        image_free(img);
    }
    segs[0].addr = 0x1002;
    CHECK_EQ_INT(image_from_segs("s.mpk", IMAGE_SNAP, segs, 2, &img, &msg), RC_PARSE);
    CHECK(img == NULL && strstr(msg.text, "overlap") != NULL);
}

TEST(time_text)
{
    char t[40];
    snapshot_time_text(0, t, sizeof t);
    CHECK_STR(t, "1970-01-01 00:00 UTC");
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(round_trip);
    RUN(round_trip_empty);
    RUN(file_round_trip);
    RUN(truncated_everywhere);
    RUN(wrong_magic);
    RUN(newer_version);
    RUN(bad_digest);
    RUN(lengths_that_lie);
    RUN(sections_wrong);
    RUN(region_fields);
    RUN(snapshot_image);
    RUN(time_text);
    return harness_done("snapshot");
}
