/*
 * verify.h: does the board hold the bytes of a firmware image?
 *
 * The image is cut into parts (an ELF's sections with bytes, at the
 * address where they are stored; a HEX or raw image's segments).  Each part
 * is cut into blocks; the board computes a digest per block (the digest the
 * read method uses: SHA-256, or the modular sum where there is no hashlib)
 * and prints it; the host computes the same over the image.  Only blocks
 * whose digests differ are read, byte by byte verified, and compared, so a
 * matching flash costs a few bytes on the wire per block.
 *
 * The planning, the device code and the report are pure and tested without
 * a board; verify_run talks to it.
 */
#ifndef MPEEK_VERIFY_H
#define MPEEK_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "buf.h"
#include "rc.h"

struct image;
struct rrepl;
struct mread;
struct rmap;

enum verify_status {
    VERIFY_EQUAL,
    VERIFY_DIFFERENT,
    VERIFY_UNREADABLE, /* outside the memory the board may be read at */
};

struct verify_part {
    char name[64];
    uint32_t addr;
    uint32_t len;
    enum verify_status status;
    uint32_t first_diff;        /* DIFFERENT: the first differing address */
    uint8_t image_byte, board_byte; /* at first_diff */
    uint64_t ndiff;             /* bytes that differ */
    uint64_t by_digest;         /* bytes found equal by digest alone */
    uint64_t read;              /* bytes read to compare */
    char why[512];              /* UNREADABLE: the reason */
    int changes;                /* RAM of a snapshot: expected to differ now,
                                   reported but not a difference */
};

struct verify_report {
    struct verify_part *p;
    size_t n;
};

/* Cut img into parts: sections with bytes (by load address, in address
 * order) and whatever load bytes no section covers ("load bytes"). */
int verify_plan(const struct image *img, struct verify_report *out);
void verify_report_free(struct verify_report *r);

/* The block size used for digests with this method. */
uint32_t verify_block(const struct board_info *info);

/* Python for the board: print one digest line per block of [addr,
 * addr+len), as recdec_digest_text would format it, leaving no globals.
 * out is cleared first.  RC_OK, or RC_NOMEM when out is failed. */
int verify_digest_code(const struct board_info *info, uint32_t addr,
                       uint32_t len, uint32_t block, struct buf *out);

struct verify_progress {
    void (*fn)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
};

/*
 * Compare every part of the plan with the board.  map (may be NULL:
 * --unsafe) keeps reads inside memory known to be readable; a part outside
 * it is UNREADABLE, not read.  A part in memory that takes aligned 32-bit
 * loads only (the Xtensa instruction bus) is read and digested with the
 * words method (info->method is switched for it and restored after).
 * Fails only when the link fails.
 */
int verify_run(struct rrepl *r, struct mread *m, struct board_info *info,
               const struct rmap *map, const struct image *img,
               struct verify_report *rep, const struct verify_progress *prog,
               struct rc_msg *msg);

/* The report as text (appended to out): one line per part, then a
 * summary.  *all_equal is 1 when every part is EQUAL.  RC_OK, or RC_NOMEM
 * when out is failed (see buf.h: it then holds no text). */
int verify_format(const struct verify_report *rep, const char *image_path,
                  struct buf *out, int *all_equal);

#endif
