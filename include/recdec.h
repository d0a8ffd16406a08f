/*
 * recdec.h: the memory-read record stream, host side.
 *
 * The helper that mpeek installs on the board answers a read request
 * (ADDR, LEN, CHUNK) with one record per chunk and an end mark:
 *
 *     record  := 'D' payload digest      chunk data follows
 *              | 'Z' digest              chunk is all 0x00
 *              | 'F' digest              chunk is all 0xFF
 *     end     := 'E'
 *
 * payload is the chunk's bytes in the method's encoding: raw bytes (BIN),
 * base64 text (B64), hex text (HEX), or 32-bit little-endian words printed
 * as 8 hex digits each (WORDS).  digest is what the board computed over the
 * bytes in memory:
 *     SHA256    32 raw bytes (BIN), base64 (B64) or hex (HEX) of SHA-256
 *     MODP      8 hex digits: the chunk as a little-endian integer mod
 *               RECDEC_MODP_PRIME (int.from_bytes(m,'little') % P)
 *     FLETCHER  16 hex digits: s, t over the signed words v:
 *               s = (s + v) mod P, t = (t + s) mod P  (WORDS only)
 * In text encodings CR and LF between and inside tokens are ignored, a
 * byte out of the encoding's alphabet (a garbled byte keeps its place)
 * fails its chunk like a wrong digest, and a Ctrl-D anywhere ends the
 * stream early (the board raised); in BIN a Ctrl-D is only recognised
 * where a tag is due.
 *
 * The decoder is pure (no I/O): feed it bytes, it reports chunks, each
 * verified by recomputing the digest on the host.  It never consumes bytes
 * past the end mark or an early Ctrl-D.
 */
#ifndef MPEEK_RECDEC_H
#define MPEEK_RECDEC_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define RECDEC_MODP_PRIME 1073741789u /* largest prime below 2^30 */

enum recdec_enc { RECDEC_BIN, RECDEC_B64, RECDEC_HEX, RECDEC_WORDS };
enum recdec_digest { RECDEC_SHA256, RECDEC_MODP, RECDEC_FLETCHER };

struct recdec_cfg {
    enum recdec_enc enc;
    enum recdec_digest digest;
    uint32_t addr;  /* first address of the request */
    uint32_t len;   /* bytes requested (> 0) */
    uint32_t chunk; /* bytes per record (> 0; multiple of 4 for WORDS) */
};

enum recdec_ev {
    RECDEC_NEED,  /* all input used; feed more */
    RECDEC_CHUNK, /* a chunk is complete: see ev fields */
    RECDEC_END,   /* end mark seen and consumed */
    RECDEC_EOT,   /* Ctrl-D where a record was due: board ended early */
    RECDEC_ERROR, /* protocol error: msg says what */
};

struct recdec_chunk {
    uint32_t addr;
    uint32_t len;
    int ok;                /* 1 if the digest matched */
    char kind;             /* 'D', 'Z' or 'F' */
    const uint8_t *data;   /* len bytes, valid until the next feed */
};

struct recdec;

int recdec_new(const struct recdec_cfg *cfg, struct recdec **out,
               struct rc_msg *msg);
void recdec_free(struct recdec *d);

/*
 * Feed n bytes.  *used is set to the bytes consumed; call again with the
 * rest after handling a RECDEC_CHUNK.  On RECDEC_EOT the Ctrl-D is not
 * consumed.
 */
enum recdec_ev recdec_feed(struct recdec *d, const uint8_t *p, size_t n,
                           size_t *used, struct recdec_chunk *chunk,
                           struct rc_msg *msg);

/* Chunks completed so far (good or bad). */
uint32_t recdec_done(const struct recdec *d);

/* Host-side digests, as the board formats them (text, NUL-terminated;
 * SHA256 gives 64 hex digits). */
void recdec_digest_text(enum recdec_digest kind, const uint8_t *p, size_t n,
                        char *out, size_t size);

/* SHA-256 of p (mbedtls). */
void recdec_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
