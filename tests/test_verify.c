/*
 * test_verify.c: cutting an image into parts, the board's digest code (run
 * for real in CPython over a fake mem8/uctypes), and the report.
 */
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failalloc.h"
#include "harness.h"
#include "image.h"
#include "mread.h"
#include "recdec.h"
#include "rrepl.h"

static uint8_t flash[0x100], dcopy[0x10];

/* A hand-made ELF-like image: .text and .rodata in flash, .data stored at
 * 0x1000 and run at 0x20000000, .bss with no bytes, and 0x40 load bytes
 * after .rodata that no section names. */
static void make_elf(struct image *img, struct image_seg *segs,
                     struct image_sect *sects)
{
    memset(img, 0, sizeof *img);
    snprintf(img->path, sizeof img->path, "t.elf");
    img->kind = IMAGE_ELF;
    for (int i = 0; i < 0x100; i++) {
        flash[i] = (uint8_t)(i * 7 + 1);
    }
    for (int i = 0; i < 0x10; i++) {
        dcopy[i] = (uint8_t)(0xA0 + i);
    }
    segs[0] = (struct image_seg){0x0, 0x100, flash};
    segs[1] = (struct image_seg){0x1000, 0x10, dcopy};
    img->segs = segs;
    img->nsegs = 2;
    memset(sects, 0, 4 * sizeof *sects);
    snprintf(sects[0].name, sizeof sects[0].name, ".text");
    sects[0].addr = sects[0].load = 0;
    sects[0].size = 0x80;
    sects[0].flags = IMAGE_SF_EXEC;
    snprintf(sects[1].name, sizeof sects[1].name, ".rodata");
    sects[1].addr = sects[1].load = 0x80;
    sects[1].size = 0x40;
    snprintf(sects[2].name, sizeof sects[2].name, ".data");
    sects[2].addr = 0x20000000;
    sects[2].load = 0x1000;
    sects[2].size = 0x10;
    sects[2].flags = IMAGE_SF_WRITE;
    snprintf(sects[3].name, sizeof sects[3].name, ".bss");
    sects[3].addr = sects[3].load = 0x20000010;
    sects[3].size = 0x100;
    sects[3].flags = IMAGE_SF_WRITE | IMAGE_SF_NOBITS;
    img->sects = sects;
    img->nsects = 4;
}

TEST(plan_elf_sections_by_load_address)
{
    struct image img;
    struct image_seg segs[2];
    struct image_sect sects[4];
    make_elf(&img, segs, sects);
    struct verify_report rep;
    CHECK_EQ_INT(verify_plan(&img, &rep), RC_OK);
    CHECK_EQ_INT(rep.n, 4);
    if (rep.n == 4) {
        CHECK_STR(rep.p[0].name, ".text");
        CHECK_EQ_INT(rep.p[0].addr, 0);
        CHECK_EQ_INT(rep.p[0].len, 0x80);
        CHECK_STR(rep.p[1].name, ".rodata");
        CHECK_EQ_INT(rep.p[1].addr, 0x80);
        CHECK_STR(rep.p[2].name, "load bytes");
        CHECK_EQ_INT(rep.p[2].addr, 0xC0);
        CHECK_EQ_INT(rep.p[2].len, 0x40);
        CHECK_STR(rep.p[3].name, ".data (load)");
        CHECK_EQ_INT(rep.p[3].addr, 0x1000);
        CHECK_EQ_INT(rep.p[3].len, 0x10);
    }
    verify_report_free(&rep);
}

TEST(plan_hex_segments)
{
    struct image img;
    struct image_seg segs[2];
    struct image_sect sects[4];
    make_elf(&img, segs, sects);
    img.nsects = 0;
    img.kind = IMAGE_HEX;
    struct verify_report rep;
    CHECK_EQ_INT(verify_plan(&img, &rep), RC_OK);
    CHECK_EQ_INT(rep.n, 2);
    if (rep.n == 2) {
        CHECK_STR(rep.p[0].name, "segment 1");
        CHECK_EQ_INT(rep.p[0].len, 0x100);
        CHECK_STR(rep.p[1].name, "segment 2");
        CHECK_EQ_INT(rep.p[1].addr, 0x1000);
    }
    verify_report_free(&rep);
    img.nsegs = 1;
    CHECK_EQ_INT(verify_plan(&img, &rep), RC_OK);
    CHECK_EQ_INT(rep.n, 1);
    CHECK(rep.n == 1 && strcmp(rep.p[0].name, "image") == 0);
    verify_report_free(&rep);
}

TEST(plan_overlapping_sections_are_clipped)
{
    struct image img;
    struct image_seg segs[2];
    struct image_sect sects[4];
    make_elf(&img, segs, sects);
    sects[1].addr = sects[1].load = 0x70; /* overlaps .text by 0x10 */
    struct verify_report rep;
    CHECK_EQ_INT(verify_plan(&img, &rep), RC_OK);
    uint64_t total = 0;
    for (size_t i = 0; i < rep.n; i++) {
        total += rep.p[i].len;
        if (i > 0) {
            CHECK(rep.p[i].addr >= rep.p[i - 1].addr + rep.p[i - 1].len);
        }
    }
    CHECK_EQ_INT(total, 0x110); /* every load byte exactly once */
    verify_report_free(&rep);
}

/* Run the digest code in CPython with a fake machine/uctypes/hashlib over
 * the bytes mem at 0x1000 and return its output. */
static int run_python(const struct board_info *info, const uint8_t *mem,
                      size_t n, uint32_t block, char *out, size_t size)
{
    struct buf code;
    buf_init(&code);
    verify_digest_code(info, 0x1000, (uint32_t)n, block, &code);
    char path[] = "/tmp/mpeek-test-verify-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        buf_fini(&code);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    fprintf(f, "import sys, types, hashlib, binascii\n"
               "MEM = bytes([");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%u,", mem[i]);
    }
    fprintf(f, "])\n"
               "class M8:\n"
               "  def __getitem__(s, a): return MEM[a - 0x1000]\n"
               "class M32:\n"
               "  def __getitem__(s, a):\n"
               "    v = int.from_bytes(MEM[a - 0x1000:a - 0x1000 + 4], 'little')\n"
               "    return v - (1 << 32) if v >= 1 << 31 else v\n"
               "m = types.ModuleType('machine'); m.mem8 = M8(); m.mem32 = M32()\n"
               "u = types.ModuleType('uctypes')\n"
               "u.bytearray_at = lambda a, k: bytearray(MEM[a - 0x1000:a - 0x1000 + k])\n"
               "sys.modules['machine'] = m; sys.modules['uctypes'] = u\n"
               "sys.modules['uhashlib'] = hashlib\n"
               "exec(open(sys.argv[1]).read())\n"
               "assert '_mpkv' not in globals()\n");
    fclose(f);
    char cpath[] = "/tmp/mpeek-test-verify-code-XXXXXX";
    int cfd = mkstemp(cpath);
    if (cfd < 0 || write(cfd, code.data, code.len) != (ssize_t)code.len) {
        buf_fini(&code);
        return -1;
    }
    close(cfd);
    buf_fini(&code);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 %s %s", path, cpath);
    FILE *p = popen(cmd, "r");
    size_t got = p ? fread(out, 1, size - 1, p) : 0;
    out[got] = 0;
    int st = p ? pclose(p) : -1;
    unlink(path);
    unlink(cpath);
    return st;
}

static void check_method(enum board_access acc, enum recdec_digest dig,
                         int hexlify)
{
    struct board_info info;
    memset(&info, 0, sizeof info);
    info.method.access = acc;
    info.method.digest = dig;
    info.method.enc = dig == RECDEC_FLETCHER ? RECDEC_WORDS : RECDEC_HEX;
    info.method.chunk = 256;
    info.hexlify = hexlify;
    snprintf(info.binascii, sizeof info.binascii, "binascii");
    snprintf(info.hashlib, sizeof info.hashlib, "uhashlib");
    uint8_t mem[600];
    for (size_t i = 0; i < sizeof mem; i++) {
        mem[i] = (uint8_t)(i * 131 + 17);
    }
    mem[5] = 0xFF; /* negative words for the word checksum */
    mem[7] = 0x80;
    char out[4096];
    uint32_t block = 256;
    CHECK_EQ_INT(run_python(&info, mem, sizeof mem, block, out, sizeof out), 0);
    /* One line per block, each the host's digest of that block. */
    char want[4096] = "";
    for (size_t off = 0; off < sizeof mem; off += block) {
        size_t k = sizeof mem - off < block ? sizeof mem - off : block;
        char d[80];
        recdec_digest_text(dig, mem + off, k, d, sizeof d);
        strcat(want, d);
        strcat(want, "\n");
    }
    CHECK_STR(out, want);
}

TEST(digest_code_matches_host_digests)
{
    check_method(BOARD_ACC_UCTYPES, RECDEC_SHA256, 1);
    check_method(BOARD_ACC_UCTYPES, RECDEC_SHA256, 0);
    check_method(BOARD_ACC_MEM8, RECDEC_MODP, 0);
    check_method(BOARD_ACC_MEM8, RECDEC_SHA256, 1);
    check_method(BOARD_ACC_MEM32, RECDEC_FLETCHER, 0);
}

TEST(block_sizes)
{
    struct board_info info;
    memset(&info, 0, sizeof info);
    info.method.access = BOARD_ACC_UCTYPES;
    CHECK_EQ_INT(verify_block(&info), 4096);
    info.method.access = BOARD_ACC_MEM8;
    info.method.chunk = 10;
    CHECK_EQ_INT(verify_block(&info), 64);
    info.method.chunk = 1000;
    CHECK_EQ_INT(verify_block(&info), 1000);
    info.method.chunk = 65536;
    CHECK_EQ_INT(verify_block(&info), 4096);
}

TEST(report_text)
{
    struct verify_part parts[3];
    memset(parts, 0, sizeof parts);
    snprintf(parts[0].name, sizeof parts[0].name, ".text");
    parts[0].addr = 0;
    parts[0].len = 0x1000;
    parts[0].status = VERIFY_EQUAL;
    parts[0].by_digest = 0x1000;
    snprintf(parts[1].name, sizeof parts[1].name, ".data (load)");
    parts[1].addr = 0x1000;
    parts[1].len = 0x10;
    parts[1].status = VERIFY_DIFFERENT;
    parts[1].first_diff = 0x1004;
    parts[1].ndiff = 2;
    parts[1].image_byte = 0x12;
    parts[1].board_byte = 0x34;
    parts[1].read = 0x10;
    struct verify_report rep = {parts, 2};
    struct buf out;
    buf_init(&out);
    int eq = -1;
    CHECK_EQ_INT(verify_format(&rep, "fw.elf", &out, &eq), RC_OK);
    CHECK_EQ_INT(eq, 0);
    CHECK(strstr(buf_str(&out), ".text         0x00000000  4 KiB       equal\n") != NULL);
    CHECK(strstr(buf_str(&out), "DIFFERENT: 2 bytes differ, first at 0x00001004 "
                                "(image 0x12, board 0x34)") != NULL);
    CHECK(strstr(buf_str(&out), "fw.elf: 1 part equal, 1 different, 0 not read") != NULL);
    buf_clear(&out);
    rep.n = 1;
    CHECK_EQ_INT(verify_format(&rep, "fw.elf", &out, &eq), RC_OK);
    CHECK_EQ_INT(eq, 1);
    parts[0].status = VERIFY_UNREADABLE;
    snprintf(parts[0].why, sizeof parts[0].why, "0x0 is not mapped");
    buf_clear(&out);
    CHECK_EQ_INT(verify_format(&rep, "fw.elf", &out, &eq), RC_OK);
    CHECK_EQ_INT(eq, 0);
    CHECK(strstr(buf_str(&out), "NOT READ: 0x0 is not mapped") != NULL);
    /* A snapshot's RAM that changed since: said, but not a difference. */
    parts[0].status = VERIFY_EQUAL;
    parts[1].changes = 1;
    rep.n = 2;
    buf_clear(&out);
    CHECK_EQ_INT(verify_format(&rep, "b.mpk", &out, &eq), RC_OK);
    CHECK_EQ_INT(eq, 1);
    CHECK(strstr(buf_str(&out), "changed since (RAM, expected): 2 bytes differ, first "
                                "at 0x00001004\n") != NULL);
    CHECK(strstr(buf_str(&out), "b.mpk: 1 part equal, 0 different, 0 not read, 1 RAM "
                                "part changed (expected)") != NULL);
    buf_fini(&out);
}

/* Format with each allocation failing in turn: RC_NOMEM and no text every
 * time, and the same text as before once memory is back. */
static void check_out_of_memory(int (*fn)(const void *ctx, struct buf *out),
                                const void *ctx)
{
    struct buf whole, b;
    buf_init(&whole);
    long before = failalloc_calls;
    CHECK_EQ_INT(fn(ctx, &whole), RC_OK);
    long n = failalloc_calls - before;
    CHECK(n >= 1);
    for (long k = 0; k < n; k++) {
        buf_init(&b);
        failalloc_arm(k);
        int rc = fn(ctx, &b);
        CHECK(failalloc_fired());
        failalloc_disarm();
        CHECK_EQ_INT(rc, RC_NOMEM);
        CHECK_STR(buf_str(&b), "");
        buf_fini(&b);
    }
    buf_init(&b);
    CHECK_EQ_INT(fn(ctx, &b), RC_OK);
    CHECK_STR(buf_str(&b), buf_str(&whole));
    buf_fini(&b);
    buf_fini(&whole);
}

static int digest_code(const void *ctx, struct buf *out)
{
    return verify_digest_code(ctx, 0x20000000, 0x12345, 1024, out);
}

static int report(const void *ctx, struct buf *out)
{
    int eq;
    return verify_format(ctx, "firmware-with-a-long-name.elf", out, &eq);
}

TEST(out_of_memory_while_formatting_is_reported)
{
    static const struct {
        enum board_access acc;
        enum recdec_digest dig;
        int hexlify;
    } methods[] = {
        {BOARD_ACC_UCTYPES, RECDEC_SHA256, 1},
        {BOARD_ACC_MEM8, RECDEC_MODP, 0},
        {BOARD_ACC_MEM8, RECDEC_SHA256, 0},
        {BOARD_ACC_MEM32, RECDEC_FLETCHER, 0},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct board_info info;
        memset(&info, 0, sizeof info);
        info.method.access = methods[i].acc;
        info.method.digest = methods[i].dig;
        info.hexlify = methods[i].hexlify;
        snprintf(info.binascii, sizeof info.binascii, "ubinascii");
        snprintf(info.hashlib, sizeof info.hashlib, "uhashlib");
        check_out_of_memory(digest_code, &info);
    }
    struct verify_part parts[12];
    memset(parts, 0, sizeof parts);
    for (size_t i = 0; i < 12; i++) {
        snprintf(parts[i].name, sizeof parts[i].name, ".section%zu", i);
        parts[i].addr = (uint32_t)(0x1000 * i);
        parts[i].len = 0x1000;
        parts[i].status = (enum verify_status)(i % 3);
        parts[i].ndiff = i;
        snprintf(parts[i].why, sizeof parts[i].why, "not mapped");
    }
    struct verify_report rep = {parts, 12};
    check_out_of_memory(report, &rep);
}

/* A board in the raw REPL that answers every command with the digest of
 * its memory (one block).  Fixed arrays only: its own memory never goes
 * through the realloc the tests make fail. */
struct vdev {
    unsigned char line[8192];
    size_t nline;
    unsigned char out[1024];
    size_t nout;
    uint8_t mem[256];
};

static void vdev_reply(struct vdev *d, const char *s, size_t n)
{
    if (n <= sizeof d->out - d->nout) {
        memcpy(d->out + d->nout, s, n);
        d->nout += n;
    }
}

static int vdev_write(void *ctx, const void *buf, size_t len, int timeout_ms,
                      struct rc_msg *msg)
{
    (void)timeout_ms;
    (void)msg;
    struct vdev *d = ctx;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = ((const unsigned char *)buf)[i];
        if (c == 0x01) {
            d->nline = 0;
            vdev_reply(d, "raw REPL; CTRL-B to exit\r\n>", 27);
        } else if (c == 0x03) {
            d->nline = 0;
        } else if (c == 0x04 && d->nline > 0) {
            char dig[80];
            recdec_digest_text(RECDEC_SHA256, d->mem, sizeof d->mem, dig,
                               sizeof dig);
            vdev_reply(d, "OK", 2);
            vdev_reply(d, dig, strlen(dig));
            vdev_reply(d, "\r\n\x04\x04>", 5);
            d->nline = 0;
        } else if (d->nline < sizeof d->line) {
            d->line[d->nline++] = c;
        }
    }
    return RC_OK;
}

static ssize_t vdev_read(void *ctx, void *buf, size_t len, int timeout_ms,
                         struct rc_msg *msg)
{
    (void)timeout_ms;
    (void)msg;
    struct vdev *d = ctx;
    size_t n = d->nout < len ? d->nout : len;
    memcpy(buf, d->out, n);
    memmove(d->out, d->out + n, d->nout - n);
    d->nout -= n;
    return (ssize_t)n;
}

/* Verify img against the board with realloc call fail_at failing (-1:
 * none); returns verify_run's rc and counts the reallocs it made. */
static int verify_on_board(const struct image *img, long fail_at,
                           long *reallocs, struct verify_report *rep,
                           struct rc_msg *msg)
{
    static struct vdev d;
    memset(&d, 0, sizeof d);
    image_copy(img, 0x1000, sizeof d.mem, d.mem);
    struct board_info info;
    memset(&info, 0, sizeof info);
    info.method.access = BOARD_ACC_UCTYPES;
    info.method.digest = RECDEC_SHA256;
    info.method.enc = RECDEC_HEX;
    info.hexlify = 1;
    snprintf(info.binascii, sizeof info.binascii, "ubinascii");
    snprintf(info.hashlib, sizeof info.hashlib, "uhashlib");
    struct rrepl_io io = {vdev_read, vdev_write, &d, "fakeport"};
    struct rrepl_opts o = {.timeout_ms = 500};
    struct rrepl *r = NULL;
    struct mread *m = NULL;
    int rc = rrepl_new(&io, &o, &r);
    CHECK_EQ_INT(rc, RC_OK);
    CHECK_EQ_INT(rrepl_enter(r, msg), RC_OK);
    CHECK_EQ_INT(mread_new(r, &info, &m), RC_OK);
    CHECK_EQ_INT(verify_plan(img, rep), RC_OK);
    long before = failalloc_calls;
    failalloc_arm(fail_at);
    rc = verify_run(r, m, &info, NULL, img, rep, NULL, msg);
    CHECK(fail_at < 0 || failalloc_fired());
    failalloc_disarm();
    *reallocs = failalloc_calls - before;
    mread_free(m);
    rrepl_free(r);
    return rc;
}

/* Whichever allocation fails while the digests are asked for and read,
 * verify says it ran out of memory: never that the board sent too few
 * digests, never a result. */
TEST(out_of_memory_while_verifying_is_reported)
{
    uint8_t bin[256];
    for (size_t i = 0; i < sizeof bin; i++) {
        bin[i] = (uint8_t)(i * 37 + 5);
    }
    struct image *img = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(image_load_mem(bin, sizeof bin, "fw.bin", 0x1000, 1, &img,
                                &msg), RC_OK);
    if (img == NULL) {
        return;
    }
    struct verify_report rep;
    long n = 0;
    CHECK_EQ_INT(verify_on_board(img, -1, &n, &rep, &msg), RC_OK);
    CHECK_EQ_INT(rep.n, 1);
    CHECK_EQ_INT(rep.p[0].status, VERIFY_EQUAL);
    CHECK_EQ_INT(rep.p[0].by_digest, sizeof bin);
    verify_report_free(&rep);
    CHECK(n >= 3); /* the code, the reply, what came in */
    for (long k = 0; k < n; k++) {
        long unused;
        msg.text[0] = 0;
        int rc = verify_on_board(img, k, &unused, &rep, &msg);
        CHECK_EQ_INT(rc, RC_NOMEM);
        CHECK(strstr(msg.text, "out of memory") != NULL);
        if (rc != RC_NOMEM) {
            printf("  realloc %ld failing: %s\n", k, msg.text);
        }
        verify_report_free(&rep);
    }
    image_free(img);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(plan_elf_sections_by_load_address);
    RUN(plan_hex_segments);
    RUN(plan_overlapping_sections_are_clipped);
    RUN(digest_code_matches_host_digests);
    RUN(block_sizes);
    RUN(report_text);
    RUN(out_of_memory_while_formatting_is_reported);
    RUN(out_of_memory_while_verifying_is_reported);
    return harness_done("verify");
}
