/*
 * ihex.h: Intel HEX images (the micro:bit's firmware.hex).
 *
 * ihex_parse() reads the text into sorted, merged segments and rejects
 * what a careful flasher would: bad characters, lying record lengths, bad
 * checksums, unknown record types, data after the end record, and records
 * that overlap.  Errors are "NAME:LINE: message".
 */
#ifndef MPEEK_IHEX_H
#define MPEEK_IHEX_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct ihex_seg {
    uint32_t addr;
    uint32_t len;
    uint8_t *data; /* points into the image's own buffer */
};

struct ihex {
    struct ihex_seg *segs; /* sorted by address, non-overlapping, merged */
    size_t nsegs;
    uint8_t *bytes;        /* storage for all segments */
    int has_start;
    uint32_t start;        /* start address record (type 03 or 05) */
};

/* Parse len bytes of text; name is used in messages.  On failure *out is
 * left empty (safe to ihex_free). */
int ihex_parse(const char *text, size_t len, const char *name,
               struct ihex *out, struct rc_msg *msg);

/* Read and parse a file. */
int ihex_load(const char *path, struct ihex *out, struct rc_msg *msg);

void ihex_free(struct ihex *h);

/* Copy the image's bytes in [base, base+size) into out, fill elsewhere.
 * Returns the number of bytes the image covered. */
size_t ihex_render(const struct ihex *h, uint32_t base, uint32_t size,
                   uint8_t fill, uint8_t *out);

#endif
