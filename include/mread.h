/*
 * mread.h: reading board memory, verified to the byte.
 *
 * mread_read() splits a range into requests for the device-side helper
 * (board.h), keeps up to two requests in flight (the next one is sent while
 * the current answer streams), decodes and verifies every chunk
 * (recdec.h), and hands only verified bytes to the caller.  Chunks that
 * fail verification are read again; a MemoryError on the board halves the
 * chunk size; a garbled or reset stream makes it resynchronise the REPL,
 * reinstall the helper and carry on from the first unread chunk.  Bytes
 * that never verify are never delivered: the read fails with RC_VERIFY.
 *
 * The read policy lives here too: given the region map (mread_set_map), a
 * read refuses ranges the map does not know to be safe (unless --unsafe),
 * and takes aligned 32-bit loads where the map says byte loads fault (the
 * ESP8266/ESP32 instruction bus), byte loads elsewhere.  Callers just ask
 * for bytes.
 */
#ifndef MPEEK_MREAD_H
#define MPEEK_MREAD_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "rc.h"

struct rrepl;
struct rmap;
struct mread;

struct mread_cb {
    /* Called once per verified piece of the range, in address order
     * except for re-read chunks. */
    void (*chunk)(void *ctx, uint32_t addr, const uint8_t *data, size_t len);
    /* Called as verified bytes accumulate. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
};

struct mread_stats {
    uint64_t bytes;       /* verified bytes delivered */
    unsigned requests;    /* helper calls made */
    unsigned bad_chunks;  /* chunks that failed verification */
    unsigned resyncs;     /* times the REPL had to be recovered */
    unsigned memerrors;   /* MemoryErrors that halved the chunk */
};

/* A reader over an attached engine; info must hold a probed board. */
int mread_new(struct rrepl *r, struct board_info *info, struct mread **out);
void mread_free(struct mread *m);

/* Retries per chunk before RC_VERIFY (default 4). */
void mread_set_retries(struct mread *m, int retries);

/* The read policy: the region map (NULL: none, every range is read with
 * byte loads) and --unsafe (read outside what the map knows to be safe).
 * The map must outlive the reader's reads. */
void mread_set_map(struct mread *m, const struct rmap *map, int unsafe);

/* Would mread_read refuse the range?  RC_OK, or RC_ARG with the map's
 * reason (for a caller that asks before it sets up the read). */
int mread_check(const struct mread *m, uint32_t addr, uint64_t len,
                struct rc_msg *msg);

/* Read len bytes at addr (addr + len <= 2^32): RC_ARG, with the map's
 * reason, for a range outside the known memory (unless unsafe).  Runs of
 * word-only memory are read with aligned 32-bit loads: the board's method
 * is switched to words for them and switched back after (the helper is
 * sent again each time); RC_UNSUPP when the board has no machine.mem32. */
int mread_read(struct mread *m, uint32_t addr, uint32_t len,
               const struct mread_cb *cb, struct rc_msg *msg);

const struct mread_stats *mread_stats(const struct mread *m);

/* The board was reset or reconnected: send the helper again before the
 * next read. */
void mread_reset(struct mread *m);

/* The next read is the last use of the helper in this session (a command
 * that reads once, then leaves): when it takes one request, mpeek's names
 * are deleted in that same command (MREAD_LAST_CLEAN), and with
 * MREAD_LAST_LEAVE \r Ctrl-B goes right behind it (rrepl_leave_early), so
 * that leaving costs no round trip of its own.  The board is then left
 * with nothing of mpeek's; a chunk to read again takes it back into the
 * raw REPL and installs the helper again.  Reset by that read. */
enum { MREAD_LAST_NONE, MREAD_LAST_CLEAN, MREAD_LAST_LEAVE };
void mread_set_last(struct mread *m, int last);

/*
 * The command's one read, sent before the helper is known to be there:
 * right behind the warm probe (board_probe_warm's prefetch), so that the
 * board answers both in one round trip.  gate is a Python expression that
 * is true on the board only where that probe defined the helper (this
 * session's marker): the read runs only then, mpeek's names are deleted
 * behind it (behind the same gate) and \r Ctrl-B goes after it, as for
 * MREAD_LAST_LEAVE.  The next mread_read of exactly [addr, addr + len)
 * takes its answer.  RC_UNSUPP (nothing sent) when the read does not fit
 * one request of the method in info (or takes word loads).
 */
int mread_prefetch(struct mread *m, uint32_t addr, uint32_t len, const char *gate,
                   struct rc_msg *msg);
/*
 * A read by code of its own that needs no helper (board_warm_read_code:
 * one record of len bytes at addr, or nothing), run now with \r Ctrl-B
 * behind it: its bytes, verified, are kept for the next mread_read of
 * exactly [addr, addr + len).  RC_OK: kept, and the board is on its way
 * out of the raw REPL; RC_NOTFOUND: the code wrote nothing at all (its
 * check found another board or firmware), RC_UNSUPP: it read nothing
 * otherwise (an error on the board, a chunk that did not verify, records
 * out of shape); either way the board is back in the raw REPL with
 * nothing pending.  Else an rc of the link.
 */
int mread_read_ahead(struct mread *m, const char *code, uint32_t addr, uint32_t len,
                     struct rc_msg *msg);

/* The probe did not define the helper as the prefetched read needs: forget
 * it, and bring the board back to the raw REPL (rrepl_resync drops its
 * answer, and \r Ctrl-B with it). */
int mread_prefetch_drop(struct mread *m, struct rc_msg *msg);

/*
 * For a caller that runs its own board-side code over a range along with
 * reads (verify's digests): switch the board's method to the loads the
 * range takes (words where the map says so) until mread_select_end() or
 * the next mread_select().  RC_UNSUPP, why in msg, when the range takes
 * words and the board has no machine.mem32.
 */
int mread_select(struct mread *m, uint32_t addr, uint32_t len,
                 struct rc_msg *msg);
void mread_select_end(struct mread *m);

#endif
