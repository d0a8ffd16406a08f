/*
 * fuzz_recdec.c: the read-record stream decoder on arbitrary board output.
 * The first 4 bytes choose encoding, digest, length and chunk size; the
 * rest is fed in pieces whose sizes also come from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) {
        return 0;
    }
    struct recdec_cfg cfg;
    cfg.enc = (enum recdec_enc)(data[0] % 4);
    cfg.digest = cfg.enc == RECDEC_WORDS ? RECDEC_FLETCHER
                                         : (enum recdec_digest)(data[0] / 4 % 2);
    cfg.chunk = 4u * (1u + data[1] % 64);
    cfg.len = 4u * (1u + data[2] % 200);
    cfg.addr = 0x20000000u;
    unsigned piece = 1u + data[3] % 97;
    data += 4;
    size -= 4;
    struct recdec *d = NULL;
    struct rc_msg msg;
    if (recdec_new(&cfg, &d, &msg) != RC_OK) {
        return 0;
    }
    size_t off = 0;
    int stop = 0;
    while (off < size && !stop) {
        size_t n = size - off < piece ? size - off : piece;
        size_t pos = 0;
        while (pos < n) {
            size_t used = 0;
            struct recdec_chunk ch;
            enum recdec_ev ev = recdec_feed(d, data + off + pos, n - pos, &used,
                                            &ch, &msg);
            if (used > n - pos) {
                abort();
            }
            pos += used;
            if (ev == RECDEC_CHUNK) {
                if (ch.len == 0 || ch.len > cfg.chunk ||
                    ch.addr < cfg.addr || ch.addr + ch.len > cfg.addr + cfg.len) {
                    abort();
                }
                volatile uint8_t sink = 0;
                for (uint32_t i = 0; i < ch.len; i++) {
                    sink ^= ch.data[i];
                }
                (void)sink;
            } else if (ev != RECDEC_NEED) {
                stop = 1;
                break;
            } else {
                break;
            }
        }
        off += pos;
    }
    recdec_free(d);
    return 0;
}
