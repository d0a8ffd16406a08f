/*
 * cmd_heap.c: mpeek heap: the GC heap, objects and blocks per kind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "buf.h"
#include "heapmap.h"
#include "heappic.h"
#include "ownheap_board.h"
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

/* --map: the picture, 64 cells a row (or what the terminal holds), at
 * most 32 rows; coloured on a terminal unless NO_COLOR is set. */
static int picture(const struct heapmap *h, struct rc_msg *msg)
{
    unsigned width = 64;
    struct winsize ws;
    int tty = isatty(STDOUT_FILENO);
    if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 &&
        (unsigned)ws.ws_col - 9 < width) {
        width = ws.ws_col - 9;
    }
    struct heappic p;
    int rc = heappic_build(h, (size_t)width * 32, &p, msg);
    if (rc < 0) {
        return rc;
    }
    char line[300];
    heapmap_summary(h, line, sizeof line);
    cmd_outf(stdout, "%s\n", line);
    struct buf b;
    buf_init(&b);
    const char *nc = getenv("NO_COLOR");
    rc = heappic_text(&p, width, tty && (nc == NULL || nc[0] == 0), &b);
    if (rc == RC_OK) {
        rc = buf_check(&b, msg, "the heap picture");
    }
    if (rc == RC_OK) {
        /* The picture's escapes are mpeek's own; the text is ASCII. */
        fwrite(b.data, 1, b.len, stdout);
    }
    buf_fini(&b);
    heappic_fini(&p);
    return rc < 0 ? rc : cmd_flush(msg);
}

/* The GC heap as mem_info(1) describes it: totals and objects per kind. */
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
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
    /* mpeek's own helper is shown as mpeek's (a failure only leaves it
     * unmarked, said on stderr). */
    struct rc_msg om;
    if (ownheap_session(s, 0, NULL, &om) < 0) {
        char e[CMD_ESC_MAX];
        cmd_outf(stderr, "mpeek: %s\n", cmd_esc(om.text, e));
    }
    const struct heapmap *h = &s->disc.heap;
    if (a->picture) {
        return picture(h, msg);
    }
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
    cmd_outf(stdout, "%-14s %8s %8s %10s\n", "kind", "objects", "blocks", "bytes");
    for (int k = 0; k < HEAPMAP_K_COUNT; k++) {
        if (st.kind_blocks[k] == 0 && st.kind_objects[k] == 0) {
            continue;
        }
        cmd_outf(stdout, "%-14s %8llu %8llu %10llu\n", heapmap_kind_name((enum heapmap_kind)k),
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
    .usage = "  heap                      the GC heap: objects and blocks per kind\n"
             "       --map                a picture: a cell per block (or group of blocks)\n"
             "                            by kind, free runs and the largest\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP | CMD_PICTURE,
    .offline = 1,
    .offline_needs_image = "without a board, heap needs a snapshot: mpeek "
                           "snapshot FILE records one; give it with --image FILE",
    .parse = parse_none,
    .run = run,
};
