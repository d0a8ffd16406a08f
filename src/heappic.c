/*
 * heappic.c: the picture of the GC heap (see heappic.h).
 */
#include "heappic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DRAWN_AREAS (sizeof ((struct heappic *)0)->area_first / sizeof(size_t))

/* The letter mem_info prints for an object of each kind. */
static char kind_letter(enum heapmap_kind k)
{
    static const char letters[HEAPMAP_K_COUNT] = {'.', 'h', 'T', 'L', 'D', 'S', 'A', 'F',
                                                  'B', 'M', '@'};
    return k < HEAPMAP_K_COUNT ? letters[k] : 'h';
}

void heappic_fini(struct heappic *p)
{
    free(p->cells);
    memset(p, 0, sizeof *p);
}

int heappic_build(const struct heapmap *h, size_t max_cells, struct heappic *out,
                  struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    if (h->nareas == 0) {
        return rc_set(msg, RC_ARG, "the heap map has no allocation table to draw");
    }
    if (max_cells == 0) {
        max_cells = 1;
    }
    uint64_t total = 0;
    size_t nareas = h->nareas < MAX_DRAWN_AREAS ? h->nareas : MAX_DRAWN_AREAS;
    for (size_t a = 0; a < nareas; a++) {
        total += h->areas[a].nblocks;
    }
    /* Blocks per cell: the fewest that fit (each area rounds up, so a few
     * more than total / max_cells may be needed). */
    uint64_t per = total > max_cells ? (total + max_cells - 1) / max_cells : 1;
    for (;;) {
        uint64_t cells = 0;
        for (size_t a = 0; a < nareas; a++) {
            cells += (h->areas[a].nblocks + per - 1) / per;
        }
        if (cells <= max_cells || per >= total) {
            out->ncells = (size_t)cells;
            break;
        }
        per++;
    }
    out->per_cell = (unsigned)per;
    out->block_size = h->block_size;
    out->nareas = nareas;
    out->cells = calloc(out->ncells ? out->ncells : 1, sizeof *out->cells);
    if (out->cells == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    size_t c = 0;
    for (size_t a = 0; a < nareas; a++) {
        const struct heapmap_area *ar = &h->areas[a];
        out->area_first[a] = c;
        enum heapmap_kind cur = HEAPMAP_K_NONE; /* the kind of the object a tail belongs to */
        uint64_t run = 0;
        for (uint32_t b0 = 0; b0 < ar->nblocks; b0 += (uint32_t)per, c++) {
            struct heappic_cell *cell = &out->cells[c];
            uint64_t nk[HEAPMAP_K_COUNT] = {0};
            uint32_t n = ar->nblocks - b0 < per ? ar->nblocks - b0 : (uint32_t)per;
            uint32_t used = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint8_t ch = ar->blocks[b0 + i];
                enum heapmap_state st = heapmap_state_of(ch);
                if (st == HEAPMAP_FREE) {
                    cur = HEAPMAP_K_NONE;
                    run++;
                    out->free_blocks++;
                    continue;
                }
                if (run > 0) {
                    out->free_runs++;
                    out->largest_free = run > out->largest_free ? run : out->largest_free;
                    run = 0;
                }
                if (st == HEAPMAP_HEAD || st == HEAPMAP_MARKED) {
                    cur = ar->own != NULL && ar->own[b0 + i] ? HEAPMAP_K_MPEEK
                                                             : heapmap_kind_of(ch);
                    out->own_objects += cur == HEAPMAP_K_MPEEK;
                    cell->head = 1;
                    out->objects++;
                }
                nk[cur]++;
                used++;
                out->used_blocks++;
            }
            enum heapmap_kind best = HEAPMAP_K_NONE;
            for (int k = 1; k < HEAPMAP_K_COUNT; k++) {
                if (nk[k] > nk[best] || (best == HEAPMAP_K_NONE && nk[k] > 0)) {
                    best = (enum heapmap_kind)k;
                }
            }
            /* An orphan tail counts as used, of no kind. */
            cell->kind = used > 0 && best == HEAPMAP_K_NONE ? HEAPMAP_K_OTHER : best;
            cell->addr = ar->pool_start + b0 * h->block_size;
            if (per == 1) {
                /* mpeek's own blocks are '@', heads and tails alike */
                cell->ch = ar->own != NULL && ar->own[b0] ? '@' : (char)ar->blocks[b0];
            } else if (used == 0) {
                cell->ch = '.';
            } else if (used * 2 >= n) {
                cell->ch = kind_letter(cell->kind);
            } else {
                cell->ch = ':';
            }
        }
        if (run > 0) {
            out->free_runs++;
            out->largest_free = run > out->largest_free ? run : out->largest_free;
        }
        out->blocks += ar->nblocks;
    }
    return RC_OK;
}

void heappic_summary(const struct heappic *p, char *out, size_t size)
{
    char group[48] = "";
    if (p->per_cell > 1) {
        snprintf(group, sizeof group, " (1 cell = %u blocks)", p->per_cell);
    }
    snprintf(out, size, "%llu blocks of %u bytes%s: %llu used (%llu objects), %llu free in "
             "%llu run%s, the largest %llu blocks (%llu bytes)",
             (unsigned long long)p->blocks, p->block_size, group,
             (unsigned long long)p->used_blocks, (unsigned long long)p->objects,
             (unsigned long long)p->free_blocks, (unsigned long long)p->free_runs,
             p->free_runs == 1 ? "" : "s", (unsigned long long)p->largest_free,
             (unsigned long long)(p->largest_free * p->block_size));
}

/* ANSI foreground per kind (8 colours; free dim). */
static const char *ansi(enum heapmap_kind k)
{
    static const char *const c[HEAPMAP_K_COUNT] = {
        "\x1b[2m", "\x1b[37m", "\x1b[36m", "\x1b[32m", "\x1b[33m", "\x1b[35m",
        "\x1b[34m", "\x1b[31m", "\x1b[1;31m", "\x1b[1;32m", "\x1b[7m"};
    return k < HEAPMAP_K_COUNT ? c[k] : "";
}

int heappic_text(const struct heappic *p, unsigned width, int colour, struct buf *out)
{
    if (width == 0) {
        width = 64;
    }
    for (size_t a = 0; a < p->nareas; a++) {
        size_t first = p->area_first[a];
        size_t end = a + 1 < p->nareas ? p->area_first[a + 1] : p->ncells;
        for (size_t c = first; c < end; c += width) {
            buf_printf(out, "%08x ", (unsigned)p->cells[c].addr);
            enum heapmap_kind last = HEAPMAP_K_COUNT;
            for (size_t i = c; i < end && i < c + width; i++) {
                if (colour && p->cells[i].kind != last) {
                    buf_addstr(out, "\x1b[0m");
                    buf_addstr(out, ansi(p->cells[i].kind));
                    last = p->cells[i].kind;
                }
                buf_add(out, &p->cells[i].ch, 1);
            }
            buf_addstr(out, colour ? "\x1b[0m\n" : "\n");
        }
    }
    char line[300];
    heappic_summary(p, line, sizeof line);
    buf_printf(out, "%s\n", line);
    buf_addstr(out, "legend: . free, = tail of the object before, h other object, T tuple, "
               "L list, D dict, S str/bytes, A array, F float, B bytecode, M module");
    if (p->per_cell > 1) {
        buf_addstr(out, "; a cell of many blocks shows its main kind, ':' when mostly free");
    }
    buf_addstr(out, "\n");
    if (p->own_objects > 0) {
        buf_printf(out, "@ mpeek's own helper on the board (%llu object%s reachable only "
                   "from its _mpk globals): not your program's, gone when mpeek exits\n",
                   (unsigned long long)p->own_objects, p->own_objects == 1 ? "" : "s");
    }
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}
