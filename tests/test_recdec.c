/*
 * test_recdec.c: the read-record stream decoder and its digests.
 *
 * Streams are built here the way the board's helper writes them, for each
 * encoding and digest, then fed in pieces of every size; corrupted streams
 * must yield failed chunks or errors, never good-looking data.
 */
#include "recdec.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "buf.h"
#include "harness.h"

static uint8_t mem[8192];

static void fill_mem(void)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof mem; i++) {
        x = x * 1103515245u + 12345u;
        mem[i] = (uint8_t)(x >> 16);
    }
    memset(mem + 1024, 0x00, 1024); /* a zero chunk */
    memset(mem + 2048, 0xff, 1024); /* an erased chunk */
}

static void add_hex(struct buf *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "%02x", p[i]);
    }
}

static void add_b64(struct buf *b, const uint8_t *p, size_t n)
{
    unsigned char out[4096];
    size_t olen = 0;
    mbedtls_base64_encode(out, sizeof out, &olen, p, n);
    buf_add(b, out, olen);
    buf_addstr(b, "\r\n"); /* b2a_base64's newline, cooked by print */
}

/* Build the board's answer to (addr, len, chunk) over mem. */
static void make_stream(struct buf *b, enum recdec_enc enc,
                        enum recdec_digest dig, uint32_t addr, uint32_t len,
                        uint32_t chunk, int markers)
{
    for (uint32_t off = 0; off < len; off += chunk) {
        uint32_t k = len - off < chunk ? len - off : chunk;
        const uint8_t *m = mem + addr + off;
        int zero = 1, ff = 1;
        for (uint32_t i = 0; i < k; i++) {
            zero &= m[i] == 0;
            ff &= m[i] == 0xff;
        }
        if (markers && zero && enc != RECDEC_WORDS) {
            buf_addstr(b, "Z");
        } else if (markers && ff && enc != RECDEC_WORDS) {
            buf_addstr(b, "F");
        } else {
            buf_addstr(b, "D");
            if (enc == RECDEC_BIN) {
                buf_add(b, m, k);
            } else if (enc == RECDEC_B64) {
                add_b64(b, m, k);
            } else if (enc == RECDEC_HEX) {
                add_hex(b, m, k);
            } else {
                for (uint32_t w = 0; w < k; w += 4) {
                    buf_printf(b, "%02x%02x%02x%02x", m[w + 3], m[w + 2],
                               m[w + 1], m[w]);
                }
            }
        }
        if (dig == RECDEC_SHA256) {
            uint8_t h[32];
            recdec_sha256(m, k, h);
            if (enc == RECDEC_BIN) {
                buf_add(b, h, 32);
            } else if (enc == RECDEC_B64) {
                add_b64(b, h, 32);
            } else {
                add_hex(b, h, 32);
            }
        } else {
            char t[40];
            recdec_digest_text(dig, m, k, t, sizeof t);
            buf_addstr(b, t);
        }
    }
    buf_addstr(b, "E");
}

struct result {
    uint8_t got[8192];
    uint32_t good, bad;
    int end, eot, error;
    size_t consumed;
};

static void run_stream(const struct recdec_cfg *cfg, const uint8_t *p,
                       size_t n, size_t piece, struct result *res)
{
    struct recdec *d = NULL;
    struct rc_msg msg;
    memset(res, 0, sizeof *res);
    CHECK_EQ_INT(recdec_new(cfg, &d, &msg), RC_OK);
    if (d == NULL) {
        return;
    }
    size_t off = 0;
    while (off < n && !res->end && !res->eot && !res->error) {
        size_t avail = n - off < piece ? n - off : piece;
        size_t pos = 0;
        while (pos < avail) {
            size_t used = 0;
            struct recdec_chunk ch;
            enum recdec_ev ev = recdec_feed(d, p + off + pos, avail - pos,
                                            &used, &ch, &msg);
            pos += used;
            if (ev == RECDEC_CHUNK) {
                if (ch.ok) {
                    memcpy(res->got + (ch.addr - cfg->addr), ch.data, ch.len);
                    res->good++;
                } else {
                    res->bad++;
                }
            } else if (ev == RECDEC_END) {
                res->end = 1;
                break;
            } else if (ev == RECDEC_EOT) {
                res->eot = 1;
                break;
            } else if (ev == RECDEC_ERROR) {
                res->error = 1;
                break;
            } else {
                break;
            }
        }
        off += pos;
    }
    res->consumed = off;
    recdec_free(d);
}

static void roundtrip(enum recdec_enc enc, enum recdec_digest dig)
{
    static const size_t pieces[] = {1, 2, 3, 7, 64, 1000, 100000};
    struct buf b;
    buf_init(&b);
    /* 5000 bytes from 512: unaligned end, zero and erased chunks inside. */
    uint32_t addr = 512, len = 5000, chunk = 512;
    make_stream(&b, enc, dig, addr, len, chunk, 1);
    buf_addstr(&b, "\x04\x04>"); /* what follows belongs to the REPL */
    struct recdec_cfg cfg = {enc, dig, addr, len, chunk};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        struct result res;
        run_stream(&cfg, b.data, b.len, pieces[i], &res);
        CHECK(res.end);
        CHECK_EQ_INT(res.bad, 0);
        CHECK_EQ_INT(res.good, (len + chunk - 1) / chunk);
        CHECK(memcmp(res.got, mem + addr, len) == 0);
        CHECK_EQ_INT(res.consumed, b.len - 3); /* never eats past 'E' */
    }
    buf_fini(&b);
}

TEST(bin_sha256) { roundtrip(RECDEC_BIN, RECDEC_SHA256); }
TEST(bin_modp) { roundtrip(RECDEC_BIN, RECDEC_MODP); }
TEST(b64_sha256) { roundtrip(RECDEC_B64, RECDEC_SHA256); }
TEST(b64_modp) { roundtrip(RECDEC_B64, RECDEC_MODP); }
TEST(hex_sha256) { roundtrip(RECDEC_HEX, RECDEC_SHA256); }
TEST(hex_modp) { roundtrip(RECDEC_HEX, RECDEC_MODP); }

TEST(words_fletcher)
{
    /* Words need alignment; 4096 bytes in 1024-byte chunks. */
    struct buf b;
    buf_init(&b);
    make_stream(&b, RECDEC_WORDS, RECDEC_FLETCHER, 0, 4096, 1024, 0);
    struct recdec_cfg cfg = {RECDEC_WORDS, RECDEC_FLETCHER, 0, 4096, 1024};
    struct result res;
    run_stream(&cfg, b.data, b.len, 5, &res);
    CHECK(res.end);
    CHECK_EQ_INT(res.good, 4);
    CHECK(memcmp(res.got, mem, 4096) == 0);
    buf_fini(&b);
}

/* Known values, computed independently (Python: int.from_bytes(b,'little')
 * % 1073741789 and the word checksum). */
TEST(digest_known_values)
{
    char t[80];
    const uint8_t ab[] = {'a', 'b'};
    recdec_digest_text(RECDEC_MODP, ab, 2, t, sizeof t);
    CHECK_STR(t, "00006261");
    uint8_t big[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    recdec_digest_text(RECDEC_MODP, big, 8, t, sizeof t);
    CHECK_STR(t, "00004c8f"); /* (2**64 - 1) % P */
    const uint8_t w[8] = {0xef, 0xbe, 0xad, 0xde, 1, 0, 0, 0};
    recdec_digest_text(RECDEC_FLETCHER, w, 8, t, sizeof t);
    /* signed words -559038737 and 1 */
    CHECK_STR(t, "1eadbecd3d5b7d99");
    recdec_digest_text(RECDEC_SHA256, (const uint8_t *)"abc", 3, t, sizeof t);
    CHECK_STR(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(corrupt_payload_is_bad_not_good)
{
    struct buf b;
    buf_init(&b);
    make_stream(&b, RECDEC_BIN, RECDEC_MODP, 4096, 2048, 512, 1);
    b.data[1 + 100] ^= 0x5a; /* inside the first chunk's data */
    struct recdec_cfg cfg = {RECDEC_BIN, RECDEC_MODP, 4096, 2048, 512};
    struct result res;
    run_stream(&cfg, b.data, b.len, 4096, &res);
    CHECK(res.end);
    CHECK_EQ_INT(res.bad, 1);
    CHECK_EQ_INT(res.good, 3);
    buf_fini(&b);
}

TEST(corrupt_sha_digest_is_bad)
{
    struct buf b;
    buf_init(&b);
    make_stream(&b, RECDEC_B64, RECDEC_SHA256, 0, 1000, 1000, 1);
    /* Flip one base64 letter of the digest (last 44 chars + CRLF + E). */
    size_t at = b.len - 1 - 2 - 10;
    b.data[at] = b.data[at] == 'A' ? 'B' : 'A';
    struct recdec_cfg cfg = {RECDEC_B64, RECDEC_SHA256, 0, 1000, 1000};
    struct result res;
    run_stream(&cfg, b.data, b.len, 7, &res);
    CHECK(res.end);
    CHECK_EQ_INT(res.bad, 1);
    CHECK_EQ_INT(res.good, 0);
    buf_fini(&b);
}

/* A garbled byte in a text encoding keeps its place: the chunk it lands in
 * fails (to be read again), the stream goes on, as in binary. */
static void garbled_text(enum recdec_enc enc, enum recdec_digest dig)
{
    struct buf b;
    buf_init(&b);
    make_stream(&b, enc, dig, 4096, 2048, 512, 0);
    /* A byte out of every text alphabet. */
    b.data[1 + 100] = '!';
    struct recdec_cfg cfg = {enc, dig, 4096, 2048, 512};
    struct result res;
    run_stream(&cfg, b.data, b.len, 33, &res);
    CHECK(res.end);
    CHECK(!res.error);
    CHECK_EQ_INT(res.bad, 1);
    CHECK_EQ_INT(res.good, 3);
    CHECK(memcmp(res.got + 512, mem + 4096 + 512, 2048 - 512) == 0);
    buf_fini(&b);
}

TEST(garbled_hex_fails_one_chunk) { garbled_text(RECDEC_HEX, RECDEC_MODP); }
TEST(garbled_b64_fails_one_chunk) { garbled_text(RECDEC_B64, RECDEC_SHA256); }
TEST(garbled_words_fail_one_chunk) { garbled_text(RECDEC_WORDS, RECDEC_FLETCHER); }

TEST(dropped_byte_never_verifies)
{
    struct buf b;
    buf_init(&b);
    make_stream(&b, RECDEC_BIN, RECDEC_SHA256, 0, 1024, 1024, 1);
    buf_consume(&b, 0);
    memmove(b.data + 50, b.data + 51, b.len - 51); /* drop one data byte */
    b.len--;
    struct recdec_cfg cfg = {RECDEC_BIN, RECDEC_SHA256, 0, 1024, 1024};
    struct result res;
    run_stream(&cfg, b.data, b.len, 99, &res);
    CHECK_EQ_INT(res.good, 0);
    CHECK(!res.end || res.bad == 1);
    buf_fini(&b);
}

TEST(early_ctrl_d_is_eot)
{
    /* The board raised after one chunk: "\x04Traceback...". */
    struct buf b;
    buf_init(&b);
    make_stream(&b, RECDEC_HEX, RECDEC_MODP, 0, 64, 64, 0);
    b.len--; /* drop the 'E' */
    buf_addstr(&b, "\x04Traceback");
    struct recdec_cfg cfg = {RECDEC_HEX, RECDEC_MODP, 0, 128, 64};
    struct result res;
    run_stream(&cfg, b.data, b.len, 3, &res);
    CHECK(res.eot);
    CHECK_EQ_INT(res.good, 1);
    CHECK_EQ_INT(b.data[res.consumed], 0x04); /* the Ctrl-D is left */
    buf_fini(&b);
}

TEST(garbage_tag_is_error)
{
    struct recdec_cfg cfg = {RECDEC_BIN, RECDEC_SHA256, 0, 16, 16};
    struct result res;
    run_stream(&cfg, (const uint8_t *)"Xjunk", 5, 5, &res);
    CHECK(res.error);
    /* A short stream: 'E' before all chunks is an error, not success. */
    run_stream(&cfg, (const uint8_t *)"E", 1, 1, &res);
    CHECK(res.error);
    CHECK(!res.end);
}

TEST(bad_config_rejected)
{
    struct recdec *d;
    struct rc_msg msg;
    struct recdec_cfg cfg = {RECDEC_WORDS, RECDEC_FLETCHER, 2, 16, 16};
    CHECK_EQ_INT(recdec_new(&cfg, &d, &msg), RC_ARG);
    CHECK(d == NULL);
    struct recdec_cfg cfg2 = {RECDEC_BIN, RECDEC_SHA256, 0, 0, 16};
    CHECK_EQ_INT(recdec_new(&cfg2, &d, &msg), RC_ARG);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    fill_mem();
    RUN(bin_sha256);
    RUN(bin_modp);
    RUN(b64_sha256);
    RUN(b64_modp);
    RUN(hex_sha256);
    RUN(hex_modp);
    RUN(words_fletcher);
    RUN(digest_known_values);
    RUN(corrupt_payload_is_bad_not_good);
    RUN(corrupt_sha_digest_is_bad);
    RUN(garbled_hex_fails_one_chunk);
    RUN(garbled_b64_fails_one_chunk);
    RUN(garbled_words_fail_one_chunk);
    RUN(dropped_byte_never_verifies);
    RUN(early_ctrl_d_is_eot);
    RUN(garbage_tag_is_error);
    RUN(bad_config_rejected);
    return harness_done("recdec");
}
