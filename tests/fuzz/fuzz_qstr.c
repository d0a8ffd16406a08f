/*
 * fuzz_qstr.c: qstr_tab_new, qstr_text and qstr_lookup on a fake board
 * whose flash and RAM come from the input:
 *
 *   byte 0      bit 0: give symbols (mp_qstr_const_pool, mp_state_ctx);
 *               bits 1-2: version (unknown, 1.9.2, 1.19, 1.29);
 *               bit 3: no RAM (an image offline)
 *   bytes 1-2   F, the flash length (LE; at most what is left)
 *   bytes 3-4   the const pool symbol: flash offset / 4
 *   bytes 5-6   mp_state_ctx: RAM offset / 4 (64 bytes)
 *   F bytes     flash, at 0x00001000
 *   the rest    RAM, at 0x20000000
 *
 * Whatever the pools say (loops, lengths past the end, pointers anywhere),
 * nothing is read outside the flash and RAM given (the read callback
 * aborts), nothing runs for long, and what is found is consistent: every
 * qstr's text looks up to a qstr with the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "qstr.h"

#define FLASH 0x00001000u
#define RAM 0x20000000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake {
    const uint8_t *flash, *ram;
    uint32_t fl, rl;
};

static int fake_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    const struct fake *f = ctx;
    if (addr >= FLASH && (uint64_t)addr + len <= (uint64_t)FLASH + f->fl) {
        memcpy(out, f->flash + (addr - FLASH), len);
        return RC_OK;
    }
    if (addr >= RAM && (uint64_t)addr + len <= (uint64_t)RAM + f->rl) {
        memcpy(out, f->ram + (addr - RAM), len);
        return RC_OK;
    }
    (void)msg;
    abort(); /* a read outside the ranges given */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t versions[4] = {0, 10902, 11900, 12900};
    if (size < 7) {
        return 0;
    }
    struct fake f;
    uint32_t fl = (uint32_t)(data[1] | data[2] << 8);
    if (fl > size - 7) {
        fl = (uint32_t)(size - 7);
    }
    f.flash = data + 7;
    f.fl = fl;
    f.ram = data + 7 + fl;
    f.rl = (uint32_t)(size - 7 - fl);
    struct frozen_mem mem = {fake_read, &f};
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    w.version = versions[(data[0] >> 1) & 3];
    w.flash[0].addr = FLASH;
    w.flash[0].len = f.fl;
    w.nflash = 1;
    if ((data[0] & 8) == 0 && f.rl > 0) {
        w.ram[0].addr = RAM;
        w.ram[0].len = f.rl;
        w.nram = 1;
    }
    struct image img;
    struct image_sym syms[2];
    if (data[0] & 1) {
        memset(&img, 0, sizeof img);
        syms[0] = (struct image_sym){"mp_qstr_const_pool",
                                     FLASH + 4u * (uint32_t)(data[3] | data[4] << 8), 0,
                                     IMAGE_SYM_OBJECT, 1};
        syms[1] = (struct image_sym){"mp_state_ctx",
                                     RAM + 4u * (uint32_t)(data[5] | data[6] << 8), 64,
                                     IMAGE_SYM_OBJECT, 1};
        img.syms = syms;
        img.nsyms = 2;
        w.img = &img;
    }
    struct qstr_tab *t = NULL;
    struct rc_msg msg;
    if (qstr_tab_new(&t, &mem, &w, &msg) != RC_OK) {
        if (t != NULL) {
            abort();
        }
        return 0;
    }
    uint32_t n = qstr_count(t);
    for (uint32_t q = 0; q <= n; q++) {
        char buf[24];
        const char *d;
        size_t len;
        int rc = qstr_text(t, q, buf, sizeof buf, &msg);
        if ((rc == RC_OK) != (q < n) || strlen(buf) >= sizeof buf) {
            abort();
        }
        if (q < 2 || q == n) {
            continue;
        }
        uint32_t back = 0;
        const char *bd;
        size_t bl;
        if (qstr_bytes(t, q, &d, &len, &msg) != RC_OK ||
            qstr_lookup_n(t, d, len, &back, &msg) != RC_OK || back > q || back == 0 ||
            qstr_bytes(t, back, &bd, &bl, &msg) != RC_OK || bl != len ||
            memcmp(bd, d, len) != 0) {
            abort();
        }
    }
    qstr_layout(t);
    qstr_tab_free(t);
    return 0;
}
