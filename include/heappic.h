/*
 * heappic.h: a picture of the GC heap, what mem_info(1) says drawn: one
 * cell per block, or per group of blocks when the heap has more blocks
 * than the picture has room for, with the totals, the number of free runs
 * and the largest free run.  A model (heapmap.h) in, cells and text out;
 * the explorer and `mpeek heap --map` draw it.
 */
#ifndef MPEEK_HEAPPIC_H
#define MPEEK_HEAPPIC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "heapmap.h"
#include "rc.h"

/* One cell: the blocks [first, first + per_cell) of an area. */
struct heappic_cell {
    char ch;                  /* one block: its mem_info character ('@' for
                               * mpeek's own, heapmap_mark_own); a group:
                               * '.' all free, the dominant kind's letter
                               * when at least half is used, ':' when less */
    enum heapmap_kind kind;   /* the dominant kind of the used blocks
                               * (HEAPMAP_K_NONE: all free) */
    int head;                 /* an object starts in the cell */
    uint32_t addr;            /* the address of its first block */
};

struct heappic {
    struct heappic_cell *cells;
    size_t ncells;
    unsigned per_cell;        /* blocks per cell (1: one cell per block) */
    size_t area_first[HEAPMAP_MAX_AREAS > 64 ? 64 : HEAPMAP_MAX_AREAS]; /* first cell per area */
    size_t nareas;            /* areas drawn (at most 64) */
    uint64_t blocks, used_blocks, free_blocks;
    uint64_t objects;
    uint64_t own_objects;     /* of them mpeek's own (heapmap_mark_own) */
    uint64_t free_runs;       /* runs of free blocks (per area) */
    uint64_t largest_free;    /* the longest, in blocks */
    unsigned block_size;
};

/* Build the picture of h in at most max_cells cells (>= 1).  RC_NOMEM, or
 * RC_ARG for a model with no allocation table. */
int heappic_build(const struct heapmap *h, size_t max_cells, struct heappic *out,
                  struct rc_msg *msg);
void heappic_fini(struct heappic *p);

/* The summary line: "8752 blocks of 16 bytes (1 cell = 5 blocks): 212 used
 * (61 objects), 8540 free in 3 runs, the largest 8470 blocks (135520 bytes)". */
void heappic_summary(const struct heappic *p, char *out, size_t size);

/* The picture as text, width cells a row, each area starting a row with its
 * address ("20001000 "), then the summary and a legend of the letters.
 * ansi: colour each cell by kind with ANSI escapes. */
int heappic_text(const struct heappic *p, unsigned width, int ansi, struct buf *out);

#endif
