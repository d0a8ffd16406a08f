/*
 * cmd_heap.c: mpeek heap: the GC heap, objects and blocks per kind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "heapmap.h"
#include "session.h"

/* heap: no arguments. */
static int parse_none(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "%s takes no arguments", a->name);
    }
    return RC_OK;
}

/* The GC heap as mem_info(1) describes it: totals and objects per kind. */
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)a;
    if (!s->disc.have_heap && s->rrepl == NULL) {
        return rc_set(msg, RC_UNSUPP, "no heap map: %s",
                      s->snap != NULL ? "the snapshot holds none"
                                      : "without a board, heap needs a snapshot "
                                        "(mpeek snapshot FILE; then --image FILE)");
    }
    if (!s->disc.have_heap) {
        return rc_set(msg, RC_UNSUPP, "the board's micropython.mem_info(1) "
                      "gave no allocation table");
    }
    const struct heapmap *h = &s->disc.heap;
    struct heapmap_stats st;
    heapmap_stats(h, &st);
    char line[300];
    heapmap_summary(h, line, sizeof line);
    cmd_outf(stdout, "%s\n", line);
    for (size_t i = 0; i < h->nareas; i++) {
        cmd_outf(stdout, "area %zu: 0x%08x-0x%08llx, %u blocks of %u bytes\n", i + 1,
               (unsigned)h->areas[i].pool_start,
               (unsigned long long)h->areas[i].pool_start +
                   (unsigned long long)h->areas[i].nblocks * h->block_size,
               (unsigned)h->areas[i].nblocks, (unsigned)h->block_size);
    }
    cmd_outf(stdout, "%-10s %8s %8s %10s\n", "kind", "objects", "blocks", "bytes");
    for (int k = 0; k < HEAPMAP_K_COUNT; k++) {
        if (st.kind_blocks[k] == 0 && st.kind_objects[k] == 0) {
            continue;
        }
        cmd_outf(stdout, "%-10s %8llu %8llu %10llu\n", heapmap_kind_name((enum heapmap_kind)k),
               (unsigned long long)st.kind_objects[k],
               (unsigned long long)st.kind_blocks[k],
               (unsigned long long)(st.kind_blocks[k] * h->block_size));
    }
    if (h->stack_used >= 0) {
        cmd_outf(stdout, "stack: %ld bytes in use", h->stack_used);
        if (h->stack_limit > 0) {
            cmd_outf(stdout, " of %ld", h->stack_limit);
        }
        cmd_outf(stdout, "\n");
    }
    if (h->nwarnings > 0) {
        cmd_outf(stdout, "note: %s\n", h->warning);
    }
    return cmd_flush(msg);
}

const struct cmd_entry cmd_heap_entry = {
    .name = "heap",
    .usage = "  heap                      the GC heap: objects and blocks per kind\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP,
    .offline = 1,
    .offline_needs_image = "without a board, heap needs a snapshot: mpeek "
                           "snapshot FILE records one; give it with --image FILE",
    .parse = parse_none,
    .run = run,
};
