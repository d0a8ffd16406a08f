/*
 * cmd_where.c: mpeek where ADDR: the regions, symbol, frozen module and heap object at ADDR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fmt.h"
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "image.h"
#include "rmap.h"
#include "ownheap_board.h"
#include "session.h"

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    if (a->nrest != 1) {
        return rc_set(msg, RC_ARG, "where takes one ADDR, e.g. 'mpeek where "
                      "0x20001000'");
    }
    if ((rc = fmt_parse_u64(a->rest[0], "ADDR", &a->addr, msg)) < 0 ||
        (rc = fmt_check_range(a->addr, 1, msg)) < 0) {
        return rc;
    }
    /* An image and no port: what the image says about ADDR. */
    if (!s->port_given && s->nimage > 0) {
        s->offline = 1;
    }
    return RC_OK;
}

/* The frozen module holding addr, and what its bytes there are (from the
 * image's own bytes). */
static void where_frozen(struct session *s, uint32_t addr)
{
    const struct image *img = session_symbol_image(s);
    if (img == NULL || img->nsyms == 0) {
        return;
    }
    struct frozen_mem mem;
    struct frozen_set set;
    struct rc_msg m;
    memset(&set, 0, sizeof set);
    frozen_mem_image(&mem, img);
    if (frozen_find(img, &mem, &set, &m) != RC_OK) {
        cmd_outf(stdout, "frozen modules: not known (%s)\n", m.text);
    } else {
        const struct frozen_mod *mod = frozen_at(&set, addr);
        if (mod != NULL) {
            cmd_outf(stdout, "frozen module: %s (%s, %u bytes, top level at 0x%08x)\n",
                   mod->name, mod->source ? "source" : "bytecode",
                   (unsigned)mod->size, (unsigned)mod->addr);
            struct frozen_notes notes;
            memset(&notes, 0, sizeof notes);
            if (!mod->source &&
                frozen_annotate(img, &mem, mod, &notes, &m) == RC_OK) {
                const struct frozen_note *n = frozen_note_at(&notes, addr);
                if (n != NULL) {
                    cmd_outf(stdout, "  0x%08x+%u: %s\n", (unsigned)n->addr,
                           (unsigned)n->len, n->text);
                }
            }
            frozen_notes_free(&notes);
        }
    }
    frozen_set_free(&set);
}
/* What is at addr: the chain of regions holding it, and the heap object. */
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    uint32_t addr = (uint32_t)a->addr;
    const struct rmap_region *r = rmap_lookup_inner(s->map, addr);
    if (r == NULL) {
        cmd_outf(stdout, "0x%08x: in no known region (unmapped as far as mpeek knows)\n",
               (unsigned)addr);
    }
    int first = 1;
    while (r != NULL) {
        char size[24];
        fmt_size(r->end - r->start, size, sizeof size);
        cmd_outf(stdout, "%s%s +0x%x: %s, %s, from the %s (0x%08x-0x%08llx, %s)%s%s\n",
               first ? "" : "  in ", r->name, (unsigned)(addr - r->start),
               rmap_kind_name(r->kind), rmap_access_name(r->access),
               rmap_source_name(r->source), (unsigned)r->start,
               (unsigned long long)r->end, size, r->notes[0] ? ": " : "",
               r->notes);
        first = 0;
        r = r->parent >= 0 ? rmap_get(s->map, (size_t)r->parent) : NULL;
    }
    for (size_t i = 0; i < s->nimage; i++) {
        const struct image_sym *sy = image_sym_at(s->img[i], addr);
        if (sy != NULL) {
            cmd_outf(stdout, "symbol: %s+0x%x (%u bytes at 0x%08x) in %s\n", sy->name,
                   (unsigned)(addr - sy->addr), (unsigned)sy->size,
                   (unsigned)sy->addr, s->img[i]->path);
            break;
        }
    }
    where_frozen(s, addr);
    struct heapmap_hit hit;
    if (s->disc.have_heap && heapmap_lookup(&s->disc.heap, addr, &hit) == RC_OK &&
        hit.state != HEAPMAP_FREE && !hit.orphan) {
        /* Is it mpeek's own helper?  (A failure leaves it unmarked.) */
        struct rc_msg om;
        if (ownheap_session(s, 0, NULL, &om) < 0) {
            char e[CMD_ESC_MAX];
            cmd_outf(stderr, "mpeek: %s\n", cmd_esc(om.text, e));
        }
    }
    if (s->disc.have_heap && heapmap_lookup(&s->disc.heap, addr, &hit) == RC_OK) {
        unsigned bs = s->disc.heap.block_size;
        if (hit.state == HEAPMAP_FREE) {
            cmd_outf(stdout, "heap: block %u is free (a free run of %u blocks from 0x%08x)\n",
                   (unsigned)hit.block, (unsigned)hit.obj_blocks,
                   (unsigned)hit.head_addr);
        } else if (hit.orphan) {
            cmd_outf(stdout, "heap: block %u is a tail with no head before it\n",
                   (unsigned)hit.block);
        } else {
            cmd_outf(stdout, "heap: block %u: %s of a %u-block %s (%u bytes) at 0x%08x, "
                   "offset %u%s\n", (unsigned)hit.block,
                   hit.block_addr == hit.head_addr ? "head" : "tail",
                   (unsigned)hit.obj_blocks, heapmap_kind_name(hit.kind),
                   (unsigned)(hit.obj_blocks * bs), (unsigned)hit.head_addr,
                   (unsigned)(addr - hit.head_addr),
                   hit.kind == HEAPMAP_K_MPEEK
                       ? " (mpeek's own object, not the program's: gone when mpeek exits)"
                       : "");
        }
    }
    return cmd_flush(msg);
}

const struct cmd_entry cmd_where_entry = {
    .name = "where",
    .usage = "  where ADDR                what is at ADDR: regions, heap object\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP,
    .offline = 1,
    .parse = parse,
    .run = run,
};
