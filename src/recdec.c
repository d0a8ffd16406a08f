/*
 * recdec.c: decoder and verifier of the memory-read record stream (see
 * recdec.h for the format).  Pure: no I/O, bounded memory (two buffers of
 * about twice the chunk size), every input byte examined once.
 */
#include "recdec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

enum recdec_state { ST_TAG, ST_PAYLOAD, ST_DIGEST, ST_DONE };

struct recdec {
    struct recdec_cfg cfg;
    enum recdec_state st;
    uint32_t nchunks;
    uint32_t index;   /* chunk being decoded */
    uint32_t k;       /* its length */
    char kind;
    uint8_t *data;    /* decoded payload, chunk bytes */
    char *text;       /* payload or digest text being collected */
    size_t text_len;
    size_t want;      /* bytes/chars wanted in the current state */
    size_t got;       /* raw payload bytes so far (BIN) */
    int bad;          /* text chunk with a byte out of its alphabet */
    uint8_t dig[64];  /* raw digest bytes (BIN SHA) */
};

void recdec_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_sha256(p, n, out, 0);
#else
    mbedtls_sha256_ret(p, n, out, 0);
#endif
}

static uint32_t modp(const uint8_t *p, size_t n)
{
    uint64_t r = 0;
    for (size_t i = n; i > 0; i--) {
        r = (r * 256u + p[i - 1]) % RECDEC_MODP_PRIME;
    }
    return (uint32_t)r;
}

static void fletcher(const uint8_t *p, size_t n, uint32_t *s_out,
                     uint32_t *t_out)
{
    const int64_t P = RECDEC_MODP_PRIME;
    int64_t s = 0, t = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t u = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
                     (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
        int64_t v = u >= 0x80000000u ? (int64_t)u - 0x100000000LL : (int64_t)u;
        s = ((s + v) % P + P) % P;
        t = (t + s) % P;
    }
    *s_out = (uint32_t)s;
    *t_out = (uint32_t)t;
}

void recdec_digest_text(enum recdec_digest kind, const uint8_t *p, size_t n,
                        char *out, size_t size)
{
    switch (kind) {
    case RECDEC_SHA256: {
        uint8_t h[32];
        recdec_sha256(p, n, h);
        size_t o = 0;
        for (int i = 0; i < 32 && o + 3 <= size; i++) {
            o += (size_t)snprintf(out + o, size - o, "%02x", h[i]);
        }
        break;
    }
    case RECDEC_MODP:
        snprintf(out, size, "%08x", (unsigned)modp(p, n));
        break;
    case RECDEC_FLETCHER: {
        uint32_t s, t;
        fletcher(p, n, &s, &t);
        snprintf(out, size, "%08x%08x", (unsigned)s, (unsigned)t);
        break;
    }
    }
}

int recdec_new(const struct recdec_cfg *cfg, struct recdec **out,
               struct rc_msg *msg)
{
    *out = NULL;
    if (cfg->len == 0 || cfg->chunk == 0 || cfg->chunk > (1u << 24)) {
        return rc_set(msg, RC_ARG, "bad read request (len %u, chunk %u)",
                      (unsigned)cfg->len, (unsigned)cfg->chunk);
    }
    if (cfg->enc == RECDEC_WORDS &&
        (cfg->chunk % 4 != 0 || cfg->len % 4 != 0 || cfg->addr % 4 != 0)) {
        return rc_set(msg, RC_ARG, "word reads need 4-byte alignment");
    }
    if ((cfg->enc == RECDEC_WORDS) != (cfg->digest == RECDEC_FLETCHER)) {
        return rc_set(msg, RC_ARG, "word reads go with the word checksum");
    }
    struct recdec *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    d->cfg = *cfg;
    d->nchunks = (cfg->len + cfg->chunk - 1) / cfg->chunk;
    d->data = malloc(cfg->chunk);
    d->text = malloc((size_t)cfg->chunk * 2 + 80);
    if (d->data == NULL || d->text == NULL) {
        recdec_free(d);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    d->st = ST_TAG;
    *out = d;
    return RC_OK;
}

void recdec_free(struct recdec *d)
{
    if (d == NULL) {
        return;
    }
    free(d->data);
    free(d->text);
    free(d);
}

uint32_t recdec_done(const struct recdec *d)
{
    return d->index;
}

static int is_text(const struct recdec *d)
{
    return d->cfg.enc != RECDEC_BIN;
}

static int is_b64(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Characters of digest text for the current configuration (0 = raw). */
static size_t digest_chars(const struct recdec *d)
{
    switch (d->cfg.digest) {
    case RECDEC_SHA256:
        return d->cfg.enc == RECDEC_BIN ? 32
             : d->cfg.enc == RECDEC_B64 ? 44 : 64;
    case RECDEC_MODP:
        return 8;
    case RECDEC_FLETCHER:
        return 16;
    }
    return 0;
}

static size_t payload_chars(const struct recdec *d, uint32_t k)
{
    switch (d->cfg.enc) {
    case RECDEC_BIN: return k;
    case RECDEC_B64: return 4 * ((k + 2) / 3);
    case RECDEC_HEX: return 2 * (size_t)k;
    case RECDEC_WORDS: return 2 * (size_t)k;
    }
    return 0;
}

static int decode_hex(const char *t, size_t n, uint8_t *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = fmt_hex_digit(t[i]), lo = fmt_hex_digit(t[i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int decode_payload(struct recdec *d, struct rc_msg *msg)
{
    switch (d->cfg.enc) {
    case RECDEC_BIN:
        return RC_OK;
    case RECDEC_B64: {
        size_t olen = 0;
        int e = mbedtls_base64_decode(d->data, d->cfg.chunk, &olen,
                                      (const unsigned char *)d->text,
                                      d->text_len);
        if (e != 0 || olen != d->k) {
            return rc_set(msg, RC_PROTO, "bad base64 in the chunk at 0x%08x",
                          (unsigned)(d->cfg.addr + d->index * d->cfg.chunk));
        }
        return RC_OK;
    }
    case RECDEC_HEX:
        if (decode_hex(d->text, d->text_len, d->data) < 0) {
            return rc_set(msg, RC_PROTO, "bad hex in the chunk at 0x%08x",
                          (unsigned)(d->cfg.addr + d->index * d->cfg.chunk));
        }
        return RC_OK;
    case RECDEC_WORDS:
        for (size_t w = 0; w < d->k / 4; w++) {
            uint8_t be[4];
            if (decode_hex(d->text + w * 8, 8, be) < 0) {
                return rc_set(msg, RC_PROTO, "bad word in the chunk at 0x%08x",
                              (unsigned)(d->cfg.addr + d->index * d->cfg.chunk));
            }
            for (int i = 0; i < 4; i++) {
                d->data[w * 4 + (size_t)i] = be[3 - i];
            }
        }
        return RC_OK;
    }
    return RC_OK;
}

/* Compare the received digest with the host's. */
static int verify(struct recdec *d)
{
    const uint8_t *p = d->data;
    if (d->cfg.digest == RECDEC_SHA256) {
        uint8_t want[32], got[32];
        recdec_sha256(p, d->k, want);
        if (d->cfg.enc == RECDEC_BIN) {
            memcpy(got, d->dig, 32);
        } else if (d->cfg.enc == RECDEC_B64) {
            size_t olen = 0;
            if (mbedtls_base64_decode(got, sizeof got, &olen,
                                      (const unsigned char *)d->text,
                                      d->text_len) != 0 || olen != 32) {
                return 0;
            }
        } else if (decode_hex(d->text, d->text_len, got) < 0) {
            return 0;
        }
        return memcmp(want, got, 32) == 0;
    }
    char want[40];
    recdec_digest_text(d->cfg.digest, p, d->k, want, sizeof want);
    if (d->text_len != strlen(want)) {
        return 0;
    }
    for (size_t i = 0; i < d->text_len; i++) {
        int a = fmt_hex_digit(d->text[i]);
        if (a < 0 || a != fmt_hex_digit(want[i])) {
            return 0;
        }
    }
    return 1;
}

enum recdec_ev recdec_feed(struct recdec *d, const uint8_t *p, size_t n,
                           size_t *used, struct recdec_chunk *chunk,
                           struct rc_msg *msg)
{
    size_t i = 0;
    *used = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (d->st == ST_DONE) {
            break;
        }
        if (is_text(d) && (c == '\r' || c == '\n')) {
            i++;
            continue;
        }
        if (c == 0x04 && (d->st == ST_TAG || is_text(d))) {
            *used = i;
            return RECDEC_EOT;
        }
        if (d->st == ST_TAG) {
            i++;
            if (c == 'E') {
                *used = i;
                if (d->index != d->nchunks) {
                    rc_set(msg, RC_PROTO,
                           "the board ended the read after %u of %u chunks",
                           (unsigned)d->index, (unsigned)d->nchunks);
                    return RECDEC_ERROR;
                }
                d->st = ST_DONE;
                return RECDEC_END;
            }
            if (d->index >= d->nchunks) {
                *used = i;
                rc_set(msg, RC_PROTO,
                       "more chunks than requested (byte 0x%02x)", c);
                return RECDEC_ERROR;
            }
            uint32_t start = d->index * d->cfg.chunk;
            d->k = d->cfg.len - start < d->cfg.chunk ? d->cfg.len - start
                                                      : d->cfg.chunk;
            d->text_len = 0;
            d->got = 0;
            d->bad = 0;
            if (c == 'D') {
                d->kind = 'D';
                d->st = ST_PAYLOAD;
                d->want = payload_chars(d, d->k);
            } else if ((c == 'Z' || c == 'F') && d->cfg.enc != RECDEC_WORDS) {
                d->kind = (char)c;
                memset(d->data, c == 'Z' ? 0x00 : 0xFF, d->k);
                d->st = ST_DIGEST;
                d->want = digest_chars(d);
            } else {
                *used = i;
                rc_set(msg, RC_PROTO,
                       "unexpected byte 0x%02x where a record was due", c);
                return RECDEC_ERROR;
            }
            continue;
        }
        if (d->st == ST_PAYLOAD) {
            if (d->cfg.enc == RECDEC_BIN) {
                size_t take = n - i;
                if (take > d->want - d->got) {
                    take = d->want - d->got;
                }
                memcpy(d->data + d->got, p + i, take);
                d->got += take;
                i += take;
            } else {
                /* A byte out of the alphabet (a garbled byte keeps its
                 * place) fails the chunk, as a wrong digest does. */
                int ok = d->cfg.enc == RECDEC_B64 ? is_b64(c) : fmt_hex_digit(c) >= 0;
                if (!ok) {
                    d->bad = 1;
                }
                d->text[d->text_len++] = (char)c;
                d->got++;
                i++;
            }
            if (d->got == d->want) {
                if (!d->bad && decode_payload(d, NULL) < 0) {
                    d->bad = 1;
                }
                d->st = ST_DIGEST;
                d->want = digest_chars(d);
                d->text_len = 0;
                d->got = 0;
            }
            continue;
        }
        /* ST_DIGEST */
        if (d->cfg.enc == RECDEC_BIN && d->cfg.digest == RECDEC_SHA256) {
            d->dig[d->got++] = c;
        } else {
            int ok = d->cfg.enc == RECDEC_B64 && d->cfg.digest == RECDEC_SHA256
                         ? is_b64(c) : fmt_hex_digit(c) >= 0;
            if (!ok) {
                d->bad = 1;
            }
            d->text[d->text_len++] = (char)c;
            d->got++;
        }
        i++;
        if (d->got == d->want) {
            chunk->addr = d->cfg.addr + d->index * d->cfg.chunk;
            chunk->len = d->k;
            chunk->kind = d->kind;
            chunk->data = d->data;
            chunk->ok = !d->bad && verify(d);
            d->index++;
            d->st = ST_TAG;
            *used = i;
            return RECDEC_CHUNK;
        }
    }
    *used = i;
    return RECDEC_NEED;
}
