/*
 * qstr.h: MicroPython's interned strings (qstrs), turned from numbers into
 * text by reading the board's qstr pools, and back.
 *
 * A qstr is an index into a chain of pools (py/qstr.h, qstr_pool_t): each
 * pool holds len qstrs numbered from total_prev_len and points at the
 * pool before it (prev); the first pool has prev NULL and holds qstr 0
 * (MP_QSTRnull) and qstr 1 (MP_QSTR_, "").  The pools made at build time
 * ("const" pools: mp_qstr_const_pool, in v1.20+ after
 * mp_qstr_const_pool_static, and mp_qstr_frozen_const_pool) are in flash;
 * the VM adds pools on the heap as it interns strings, and
 * MP_STATE_VM(last_pool) (in mp_state_ctx) points at the newest.
 *
 * Two layouts, both decoded (hash and length widths are read from the
 * data, never assumed):
 *   v1.9-v1.19   {prev, total_prev_len, alloc, len, qstrs[]}: each qstrs[i]
 *                points at [hash: MICROPY_QSTR_BYTES_IN_HASH (1 or 2)]
 *                [length: MICROPY_QSTR_BYTES_IN_LEN (1 or 2)] chars NUL.
 *   v1.20+       {prev, total_prev_len:31 | is_sorted:1 (v1.22+), alloc,
 *                len, hashes (absent when MICROPY_QSTR_BYTES_IN_HASH is 0,
 *                v1.23+), lengths, qstrs[]}: qstrs[i] points at chars NUL.
 *
 * Every pool is validated before it is believed: the chain's
 * total_prev_len values follow from the pools' lengths, qstr 0 and 1 are
 * the null and empty qstrs, every string lies in flash or RAM and ends in
 * NUL at its stated length, every stored hash equals qstr_compute_hash of
 * the string, a heap pool has len <= alloc, only the newest is not full
 * (and in v1.20+ its hash and length arrays are where qstr_add puts them).  What does not validate is
 * refused with one line naming the pool and the entry, never used.
 *
 * The table reads everything once, through struct frozen_mem (frozen.h),
 * and keeps the text: qstr_text() and qstr_lookup() do no I/O.
 */
#ifndef MPEEK_QSTR_H
#define MPEEK_QSTR_H

#include <stddef.h>
#include <stdint.h>

#include "frozen.h"
#include "rc.h"

struct image;
struct qstr_tab;

#define QSTR_MAX_RANGES 8
#define QSTR_HINT_POOLS 8

/*
 * What a search learned of one firmware, for the next search on the same
 * firmware to skip the scans (qcache.h keeps it between runs).  Nothing
 * in it is believed: qstr_tab_new() reads the pools it names, validates
 * them as a scan would, and compares them with digest; anything that
 * differs and the search scans as if there were no hint.
 *
 *   fam, hw, lw, hdr  the pool layout (1: v1.9-v1.19, 2: v1.20+; bytes
 *                     of hash and length; header bytes before qstrs[])
 *   pools             the const pools in flash, the first (prev NULL)
 *                     first: address and header fields as read
 *   count             the qstrs they hold
 *   digest            SHA-256 of the layout, the pools' header fields and
 *                     every const qstr's bytes (qstr_hint_digest order)
 *   last_word         the address of the RAM word holding
 *                     MP_STATE_VM(last_pool) (in mp_state_ctx), 0 unknown
 */
struct qstr_hint_pool {
    uint32_t addr, first, len, alloc, hashes, lengths;
};

struct qstr_hint {
    uint32_t fam, hw, lw, hdr;
    uint32_t npools;
    struct qstr_hint_pool pools[QSTR_HINT_POOLS];
    uint32_t count;
    uint8_t digest[32];
    uint32_t last_word;
};

/* How a search used its hint (qstr_hint_used). */
enum {
    QSTR_HINT_CONST = 1,    /* the const pools came from the hint */
    QSTR_HINT_LAST = 2      /* the heap pools from its last_word */
};

/*
 * Where to look.  All fields may be zero except that something must say
 * where flash is: an image, or flash ranges.
 *
 *   img      an ELF with symbols: the const pools are found through
 *            mp_qstr_frozen_const_pool / mp_qstr_const_pool, and (with
 *            RAM ranges) the newest heap pool through mp_state_ctx, whose
 *            words are searched for the pointer to a pool chain that
 *            validates and ends at the const pools.  An image without
 *            symbols (Intel HEX, UF2, raw) only supplies default flash
 *            ranges.  May be NULL.
 *   flash    where const pools and their strings may be; nflash 0: the
 *            image's load segments.  Without symbols these are scanned
 *            for the first pool (each byte read once, in 4 KiB reads).
 *   ram      where heap pools may be; nram 0: const pools only (an image
 *            offline).  Without mp_state_ctx, RAM is read whole (16 KiB
 *            reads) and scanned for pools chained to the const pools; the
 *            newest is the one no other pool points at and some other
 *            word of RAM does (as mp_state_ctx does).  With a hint (below)
 *            that validates, neither flash nor RAM is scanned.
 *   version  MicroPython's version as MAJOR*10000 + MINOR*100 + MICRO
 *            (1.9.2 is 10902), 0 when unknown; when known, the layout
 *            must be that version's (and from v1.19 qstr 2 "__dir__").
 */
struct qstr_where {
    /* in_use (may be NULL): 1 if addr starts an object the GC heap holds
     * now (its allocation table), 0 if it lies in a free block or not in
     * the heap at all.  Heap pools are heap objects: when RAM holds more
     * than one chain that could be the live one (freed pools stay in RAM),
     * the one whose pools are all in use is it. */
    int (*in_use)(void *ctx, uint32_t addr);
    void *in_use_ctx;
    /* What micropython.qstr_info() says of the live chain's heap pools
     * (n_pool, n_qstr); n_pool 0: not known.  The surest way to tell the
     * live chain from freed ones. */
    int32_t n_pool, n_qstr;
    const struct image *img;
    struct frozen_range flash[QSTR_MAX_RANGES];
    size_t nflash;
    struct frozen_range ram[QSTR_MAX_RANGES];
    size_t nram;
    uint32_t version;
    /* The GC heap's areas (nheap 0: not known).  Only a word outside
     * them can be MP_STATE_VM(last_pool) (freed heap blocks keep copies
     * of RAM read through them), so what is learned of last_pool's word
     * looks only there. */
    struct frozen_range heap[QSTR_MAX_RANGES];
    size_t nheap;
    /* What an earlier search of this firmware learned (may be NULL);
     * used only without symbols, and only once it validates. */
    const struct qstr_hint *hint;
};

/*
 * Find and read the qstr pools.  *tab_out is the caller's, freed with
 * qstr_tab_free(), and NULL on failure.  Errors: RC_ARG (nothing says
 * where flash is; a version before 1.9), RC_NOTFOUND ("no qstr pool found
 * in flash 0x...-0x..."), RC_PARSE (a pool that does not validate, named
 * with what failed; two candidate chains that cannot be told apart),
 * RC_NOMEM, or what mem->read returned for a read that failed for another
 * reason than "not there" (the board went away).
 */
int qstr_tab_new(struct qstr_tab **tab_out, const struct frozen_mem *mem,
                 const struct qstr_where *where, struct rc_msg *msg);

void qstr_tab_free(struct qstr_tab *tab);

/*
 * The text of qstr q into buf (size bytes, always NUL-terminated when size
 * > 0): its bytes as the board holds them.  A text longer than size - 1
 * ends in "..." after as many of its bytes as fit.  RC_NOTFOUND for a
 * qstr past the last pool ("qstr 1234 is past the last pool (1200
 * qstrs)"), RC_ARG for a NULL table or buffer.  tab is a struct qstr_tab *
 * passed as void * so the function serves as a decoder's text callback.
 * Qstr 0 (MP_QSTRnull) is "", as qstr_str() gives it.
 */
int qstr_text(void *tab, uint32_t q, char *buf, size_t size,
              struct rc_msg *msg);

/* The exact bytes of qstr q (*data owned by tab, NUL after len bytes), or
 * RC_NOTFOUND as for qstr_text(). */
int qstr_bytes(const struct qstr_tab *tab, uint32_t q, const char **data,
               size_t *len, struct rc_msg *msg);

/* How many qstrs there are (numbers 0 .. count - 1). */
uint32_t qstr_count(const struct qstr_tab *tab);

/* The number of the qstr whose text is name (len bytes; the lowest number
 * when a text repeats; never 0), or RC_NOTFOUND.  O(log count). */
int qstr_lookup_n(const struct qstr_tab *tab, const char *name, size_t len,
                  uint32_t *q, struct rc_msg *msg);

/* The same for a NUL-terminated name. */
int qstr_lookup(const struct qstr_tab *tab, const char *name, uint32_t *q,
                struct rc_msg *msg);

/* A short description: "v1.20+ pools: 3 (const 751 in flash at
 * 0x000249a4, dynamic 0 in RAM), hash 2 bytes, length 1 byte". */
const char *qstr_layout(const struct qstr_tab *tab);

/* Pool i (0 is the first, prev NULL) for tests and the explorer: its
 * address, first qstr number and length; 0 when i is past the last. */
int qstr_pool(const struct qstr_tab *tab, size_t i, uint32_t *addr,
              uint32_t *first, uint32_t *len, int *in_ram);

/*
 * What this search learned (for qstr_where.hint next time): 0 when there
 * is nothing to keep (no const pools in flash, more than QSTR_HINT_POOLS
 * of them).  last_word is 0 when no single RAM word was seen to hold
 * last_pool.
 */
int qstr_hint_get(const struct qstr_tab *tab, struct qstr_hint *out);

/* QSTR_HINT_* bits: what of the hint given was used; and, when a hint
 * was given but (some of it) refused, why ("" else), e.g. "the const
 * pool at 0x0003a1c0 is not the one cached: its len is 612, not 611". */
unsigned qstr_hint_used(const struct qstr_tab *tab);
const char *qstr_hint_note(const struct qstr_tab *tab);

#endif
