/*
 * heapmap.h: a model of MicroPython's GC heap, read from the text of
 * micropython.mem_info(1) (or stm32's machine.info(1) / pyb.info(1)).
 *
 * heapmap_parse() understands, in any order of appearance and with other
 * output before or after it (\n or \r\n line ends):
 *
 *   mem: total=<n>, current=<n>, peak=<n>          (MICROPY_MEM_STATS builds)
 *   stack: <used> out of <limit>   |   stack: <used>
 *   GC: total: <T>, used: <U>, free: <F>[, max new split: <S>]
 *    No. of 1-blocks: <a>, 2-blocks: <b>, max blk sz: <c>, max free sz: <d>
 *   GC:  /  <T> total  /  <U> : <F>  /  1=<a> 2=<b> m=<c>   (stm32 info())
 *   GC memory layout; from <pool start, bare hex>:           (once per area)
 *   <offset>: <up to 64 block characters>
 *          (<n> lines all free)
 *
 * The model it builds:
 *   - every heap area ("GC memory layout; from" line) becomes one
 *     struct heapmap_area holding one character per block exactly as
 *     MicroPython prints it ('.', '=', 'h', 'T', ...), with each
 *     "(n lines all free)" expanded into n*64 '.' blocks;
 *   - an object is a head block plus the '=' tail blocks that follow it.
 *
 * Invariants of a parsed model: areas are in printed order, do not overlap
 * and lie below 2^32; the sum of their blocks is at most
 * HEAPMAP_MAX_BLOCKS and, when "GC: total" was given, at most total /
 * block_size; every block character is one of ". = m h T L D S A F B M" or
 * another ASCII letter (see below).
 *
 * Decisions on doubtful input:
 *   - Offsets must be 5 hex digits (v1.19 and older, printed modulo 2^20)
 *     or 8 (v1.20+), the same width on every line, and equal to the line's
 *     block number times block_size.  A mismatch is an error naming the line.
 *   - Only the last line of an area may hold fewer than 64 blocks.
 *   - A '=' at the start of an area or after a free block (an "orphan
 *     tail") is kept and counted as a warning; lookups report it with
 *     orphan set.
 *   - 'm' is a marked head (only seen mid-collection): state
 *     HEAPMAP_MARKED, kind HEAPMAP_K_OTHER.
 *   - Any other ASCII letter is taken as the head of an object of unknown
 *     type (HEAPMAP_K_OTHER) with a warning, so that a newer firmware with a
 *     new letter still parses.  Any other character in a table line is an
 *     error naming line and column.
 *   - Text that matches no known line is ignored, but inside an allocation
 *     table a line that starts like a table line ("<5 or 8 hex digits>:")
 *     must be well formed.  A line that begins like a summary line but does
 *     not parse is ignored with a warning.
 *   - The first mem_info output wins: a summary line seen a second time, or
 *     any summary line after an allocation table, starts a second output,
 *     which is ignored with a warning.
 *   - Fewer printed blocks than "GC: total" (output cut short) is a
 *     warning; more is an error.  Summary numbers that disagree with the
 *     table are warnings.
 *
 * Nothing here prints or does I/O.  Errors are rc codes with the detail in
 * struct rc_msg ("line 7: ...", line numbers counted from 1 in the text).
 */
#ifndef MPEEK_HEAPMAP_H
#define MPEEK_HEAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* Blocks per printed table line. */
#define HEAPMAP_LINE_BLOCKS 64u
/* The most blocks heapmap_parse() accepts over all areas (1 GiB of 16-byte
 * blocks); larger claims are rejected before anything is allocated. */
#define HEAPMAP_MAX_BLOCKS (1u << 26)
/* The most heap areas heapmap_parse() accepts. */
#define HEAPMAP_MAX_AREAS 1024u

enum heapmap_state {
    HEAPMAP_FREE,   /* '.' */
    HEAPMAP_HEAD,   /* a letter other than 'm' */
    HEAPMAP_TAIL,   /* '=' */
    HEAPMAP_MARKED, /* 'm': a head marked by a collection in progress */
};

enum heapmap_kind {
    HEAPMAP_K_NONE,     /* free blocks and orphan tails */
    HEAPMAP_K_OTHER,    /* 'h' (any other type, or raw memory), 'm', unknown letters */
    HEAPMAP_K_TUPLE,    /* 'T' */
    HEAPMAP_K_LIST,     /* 'L' */
    HEAPMAP_K_DICT,     /* 'D' */
    HEAPMAP_K_STR,      /* 'S': str or bytes */
    HEAPMAP_K_ARRAY,    /* 'A': bytearray or array.array */
    HEAPMAP_K_FLOAT,    /* 'F': boxed float */
    HEAPMAP_K_BYTECODE, /* 'B': bytecode function (fun_bc) */
    HEAPMAP_K_MODULE,   /* 'M' */
    HEAPMAP_K_MPEEK,    /* mpeek's own helper (heapmap_mark_own), any type */
    HEAPMAP_K_COUNT
};

struct heapmap_area {
    uint32_t pool_start; /* address of block 0 (the "from" address) */
    uint32_t nblocks;    /* blocks printed for this area, collapsed runs expanded */
    uint8_t *blocks;     /* nblocks characters as printed: '.', '=', 'h', 'T', ... */
    unsigned line;       /* text line of the "GC memory layout; from" line */
    /* Private to heapmap.c (the lookup index, one entry per 64-block line):
     * the first block of the object or free run holding the line's first
     * block, and the end of the run holding its last block. */
    uint32_t *line_first;
    uint32_t *line_end;
    /* NULL, or one byte per block: 1 for the blocks of mpeek's own
     * objects (heapmap_mark_own). */
    uint8_t *own;
};

/* Counts over the whole model, for a summary line or a legend. */
struct heapmap_stats {
    uint64_t blocks;                           /* all blocks of all areas */
    uint64_t state_blocks[4];                  /* per enum heapmap_state */
    uint64_t objects;                          /* heads, marked ones included */
    uint64_t kind_objects[HEAPMAP_K_COUNT];    /* heads per kind */
    uint64_t kind_blocks[HEAPMAP_K_COUNT];     /* head + tail blocks per kind; NONE = free + orphan tails */
    uint64_t orphan_tails;                     /* '=' blocks that belong to no head */
    /* What MicroPython's gc_info() computes from these blocks, to compare
     * with " No. of 1-blocks: ..." and "used:" (counted per area, as it does). */
    uint64_t gc_used_blocks;                   /* head and tail blocks ('m' not counted) */
    uint64_t one_blocks, two_blocks, max_block, max_free;
};

struct heapmap {
    struct heapmap_area *areas; /* nareas areas, owned; NULL when nareas is 0 */
    size_t nareas;
    uint32_t block_size;        /* bytes per block, as given to heapmap_parse */
    long gc_total, gc_used, gc_free;          /* "GC: total: T, used: U, free: F" (-1 if absent) */
    long stack_used, stack_limit;             /* "stack: U out of L" / "stack: U" (-1 if absent) */
    long mem_total, mem_current, mem_peak;    /* "mem: total=..." (-1 if absent) */
    long one_blocks, two_blocks, max_block, max_free; /* " No. of 1-blocks: ..." in blocks (-1 if absent) */
    long max_new_split;         /* esp32 ", max new split: S" in bytes (-1 if absent) */
    int offset_digits;          /* 5 (v1.19 and older) or 8 (v1.20+); 0 if no table line */
    int stm32_info;             /* 1 if the summary came from stm32's machine.info() */
    struct heapmap_stats stats; /* counted once by heapmap_parse */
    unsigned nwarnings;         /* things tolerated (see the notes at the top) */
    char warning[256];          /* the first of them, "" if none */
};

/* What heapmap_lookup() found at one address. */
struct heapmap_hit {
    size_t area;                /* index into h->areas */
    uint32_t block;             /* block number within the area */
    uint32_t block_addr;        /* address of that block */
    enum heapmap_state state;
    enum heapmap_kind kind;     /* the kind of the object's head; NONE for free and orphans */
    uint32_t head_addr;         /* first block of the object, or of the free run / orphan run */
    uint32_t obj_blocks;        /* blocks in that object (head + tails), free run or orphan run */
    int orphan;                 /* 1 if the block is an orphan tail (no head before it) */
};

/* Make h an empty model (no areas, every number -1); safe to heapmap_fini. */
void heapmap_init(struct heapmap *h);

/*
 * Parse len bytes of mem_info text (need not be NUL-terminated) into *out,
 * which the caller later frees with heapmap_fini.  block_size is bytes per
 * GC block (4 machine words: 16 on 32-bit ports); a power of two from 4 to
 * 1024, else RC_ARG.  RC_PARSE when the text holds no mem_info output or an
 * allocation table is malformed, RC_NOMEM when allocation fails.  On failure
 * *out is left empty (heapmap_init state) and msg says why.  On success
 * out->nwarnings / out->warning tell what was tolerated.
 */
int heapmap_parse(const char *text, size_t len, uint32_t block_size,
                  struct heapmap *out, struct rc_msg *msg);

/* Free what the model owns and make it empty again. */
void heapmap_fini(struct heapmap *h);

/*
 * Describe the block holding addr.  RC_OK and *hit filled if addr lies in
 * a printed block of some area, RC_NOTFOUND (and *hit zeroed) otherwise.
 * Cost: O(areas + 64).
 */
int heapmap_lookup(const struct heapmap *h, uint32_t addr,
                   struct heapmap_hit *hit);

/* 1 if addr is the first block of an object (ctx: a const struct heapmap *;
 * the shape of a "does the heap hold this" callback, qstr.h's in_use). */
int heapmap_head_at(void *ctx, uint32_t addr);

/*
 * Mark the object whose head block is at head_addr as mpeek's own (its
 * helper on the board): heapmap_lookup then gives its blocks the kind
 * HEAPMAP_K_MPEEK, and the counts move it from its kind to that one.
 * RC_OK (also when already marked), RC_NOTFOUND when no object starts
 * there, RC_NOMEM.
 */
int heapmap_mark_own(struct heapmap *h, uint32_t head_addr);
/* 1 if the block holding addr belongs to an object marked as mpeek's. */
int heapmap_is_own(const struct heapmap *h, uint32_t addr);

/* State and kind of one block character as printed ('.' -> FREE/NONE). */
enum heapmap_state heapmap_state_of(uint8_t c);
enum heapmap_kind heapmap_kind_of(uint8_t c);

/* "tuple", "list", "dict", "str/bytes", "array", "float", "bytecode",
 * "module", "mpeek's helper" (MPEEK), "object" (OTHER) or "free" (NONE);
 * never NULL. */
const char *heapmap_kind_name(enum heapmap_kind k);

/* Copy the counts heapmap_parse made (h->stats); all zero for an empty
 * model.  The model is read-only: edit its blocks and the counts and the
 * lookup index no longer agree. */
void heapmap_stats(const struct heapmap *h, struct heapmap_stats *st);

/*
 * One line for a status bar, e.g.
 *   "GC heap 0x200004a0, 10048 bytes: 544 used (8 objects), 9504 free"
 *   "GC heap in 2 areas, 97536 bytes: ..."
 *   "GC heap 10048 bytes: 4288 used, 5760 free (no allocation table)"
 * written into out (always NUL-terminated when size > 0).  Returns the
 * length the full line needs, like snprintf.
 */
size_t heapmap_summary(const struct heapmap *h, char *out, size_t size);

#endif
